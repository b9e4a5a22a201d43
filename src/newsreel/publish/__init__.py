"""Publishing: `output/` to an S3 bucket behind CloudFront, sending only what changed."""
