"""Publishing: `output/` to an S3 bucket behind CloudFront, sending only what changed.

What is never published is said here, where `newsreel serve` (which serves `output/` as the
CDN would) reads it too without loading the publishing code.
"""


def is_hidden(key: str) -> bool:
    """Dot-files and dot-folders: never published, never deleted (the publish state lives
    under `.newsreel/`)."""
    return any(part.startswith(".") for part in key.split("/"))
