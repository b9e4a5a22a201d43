"""AWS Lambda entry point: the same ASGI app, through Mangum."""

from __future__ import annotations

from mangum import Mangum

from newsreel.api.app import create_app
from newsreel.api.config import ApiConfig

handler = Mangum(create_app(ApiConfig.from_env()), lifespan="off", api_gateway_base_path="/api")
