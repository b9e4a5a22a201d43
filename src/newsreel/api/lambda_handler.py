"""AWS Lambda entry point: the same ASGI app, through Mangum.

The app is made at import (Lambda's init phase), its AWS clients on first use. Requests that
did not come through CloudFront (no secret origin header) are answered 403 by the app itself.
"""

from __future__ import annotations

from mangum import Mangum

from newsreel.api.app import create_app
from newsreel.api.config import ApiConfig

handler = Mangum(create_app(ApiConfig.from_env()), lifespan="off", api_gateway_base_path="/api")
