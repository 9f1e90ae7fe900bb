# One image for the intake and the workers; the command picks the role.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY workers ./workers
COPY cli ./cli
COPY examples ./examples
RUN pip install . && useradd --create-home claimcheck && mkdir -p /data && chown claimcheck /data
USER claimcheck
ENV CLAIMCHECK_KB_PATH=/data/kb.sqlite3
EXPOSE 8000
CMD ["claimcheck", "serve"]
