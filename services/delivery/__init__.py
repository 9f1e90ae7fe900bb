"""Process 3, webhook delivery: the verdict stream POSTed, signed, to newsrooms' endpoints
(`claimcheck webhooks deliver`)."""
