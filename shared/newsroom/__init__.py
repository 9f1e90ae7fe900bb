"""The newsroom's memory: editors' reviews and the review queue, what "the same claim"
means, rulings, repeats and reuse, ClaimReview export, re-checks and checked texts."""
