"""Stance v3: the bundle for one training run on a lent GPU machine, and its return.

Commands (from the repo root, training venv)::

    python -m training.stance_v3 prepare --out var/gpu-bundle          # here, on the CPU
    bash training/gpu.sh                                               # there (OUT=...)
    python -m training.stance_v3 reassemble --from DIR \\
        --out workers/models/stance-v3-candidate                        # here again

``prepare`` (:mod:`training.stance_v3_bundle`) builds and tokenizes every training pair
into a bundle that travels with the working tree; ``training/gpu.sh`` trains from it
(:mod:`training.stance_v3_gpu`); ``reassemble`` (:mod:`training.stance_v3_reassemble`)
joins the returned files into a model dir. This module is their command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from training import config as C
from training.files import DEFAULT_DATA_ROOT
from training.stance_v3_bundle import DEFAULT_MAX_MIB, SHIPPED_MODEL, prepare
from training.stance_v3_reassemble import reassemble


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.stance_v3")
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare", help="the GPU bundle: tokenized pairs, tokenizer, meta")
    pp.add_argument("--data-root", default=str(DEFAULT_DATA_ROOT))
    pp.add_argument("--out", default="var/gpu-bundle")
    pp.add_argument("--sample-frac", type=float, default=1.0, help="of each train file")
    pp.add_argument("--no-binary", action="store_true", help="leave the binary files out")
    pp.add_argument("--synthetic", type=int, default=C.STANCE_V3_SYNTHETIC, help="pairs asked")
    pp.add_argument("--dev-per-file", type=int, default=None, help="sample of each dev file")
    pp.add_argument("--max-mib", type=float, default=DEFAULT_MAX_MIB, help="bundle size limit")
    pp.add_argument("--verify", type=int, default=20000, help="pairs checked (0: all)")
    pp.add_argument("--model", default=str(SHIPPED_MODEL), help="the model v3 starts from")
    pp.add_argument("--embed-init", action="store_true", help="fp16 weights in the bundle")
    pr = sub.add_parser("reassemble", help="the returned files -> a model dir")
    pr.add_argument("--from", dest="src", required=True, help="the run's returned files")
    pr.add_argument("--out", default="workers/models/stance-v3-candidate")
    pr.add_argument("--weights-out", default="artifacts/stance-v3")
    pr.add_argument("--bundle", default="var/gpu-bundle")
    pr.add_argument("--reexport", action="store_true", help="export here from the weights")
    return p


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.cmd == "prepare":
        prepare(
            Path(args.data_root),
            Path(args.out),
            sample_frac=args.sample_frac,
            binary=not args.no_binary,
            synthetic_total=args.synthetic,
            dev_per_file=args.dev_per_file,
            max_mib=args.max_mib,
            verify=args.verify,
            model_dir=Path(args.model),
            embed_init=args.embed_init,
        )
    elif args.cmd == "reassemble":
        bundle = Path(args.bundle)
        reassemble(
            Path(args.src),
            Path(args.out),
            weights_out=Path(args.weights_out),
            bundle=bundle if (bundle / "tokenizer.json").is_file() else None,
            force_reexport=args.reexport,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
