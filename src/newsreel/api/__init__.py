"""The function: newsletter, multimedia accounts, e-mailed codes, account-only downloads.

One ASGI app (Starlette), served under `/api` by `newsreel serve` and on AWS Lambda through
Mangum, so the same code answers in both places.
"""
