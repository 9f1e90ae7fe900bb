"""Webhook delivery: the verdict stream POSTed, signed, to newsrooms\x27 endpoints."""
