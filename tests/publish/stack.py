"""The CloudFront distribution a publish invalidates, made on moto's server: one home for its
configuration, shared by the publish tests and `bench/publish.py`."""

from __future__ import annotations

import uuid


def create_distribution(cloudfront, reference: str | None = None) -> str:
    """A distribution in front of the site bucket; returns its id."""
    config = {
        "CallerReference": reference or f"newsreel-test-{uuid.uuid4()}",
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site",
                    "DomainName": "site.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
