"""AWS Lambda entry point of the mail sender: the jobs the function queued on SQS.

Each SQS record is one `MailJob`; what the local worker thread does, done here: decide, issue
the code, render, send through SES. A failed record is reported back (partial batch response),
so SQS retries only it, then moves it to the dead-letter queue.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from newsreel.api.config import ApiConfig
from newsreel.api.jobs import MailWork
from newsreel.api.mail.queue import MailJob

logger = logging.getLogger("newsreel.api.mail")


@functools.cache
def _work() -> MailWork:
    config = ApiConfig.from_env()
    return MailWork(config.store, config.secret, config.clock, config.mailer, config.sender,
                    config.site_url, config.reply_to)  # fmt: skip


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            _work().run(MailJob.from_json(record["body"]))
        except ValueError:
            logger.error("dropped a malformed mail job: %.200r", record.get("body"))
        except Exception:
            logger.exception("mail job failed; SQS will retry it")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
