"""AWS Lambda entry point of the mail sender: the jobs the function queued on SQS.

Each SQS record is one `MailJob`; what the local worker thread does, done here: decide, issue
the code, render, send through SES. A failed record is reported back (partial batch response),
so SQS retries only it, then moves it to the dead-letter queue.

SQS delivers at least once, and delivers again a message whose success was not reported in
time: a register or code job run twice issued a second code, which kills the first, and the
person typing the code of the first mail was told it was wrong. So each message, once done, is
remembered (by its SQS message id, for as long as the queue keeps messages) and a delivery of
a message already done is skipped.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from newsreel.api.config import ApiConfig
from newsreel.api.jobs import MailWork
from newsreel.api.mail.queue import MailJob

logger = logging.getLogger("newsreel.api.mail")

#: Where done messages are remembered, and how long: the queue's retention (template.yaml).
DONE_PARTITION = "mail-done"
DONE_FOR_S = 86400


@functools.cache
def _work() -> MailWork:
    config = ApiConfig.from_env()
    return MailWork(config.store, config.secret, config.clock, config.mailer, config.sender,
                    config.site_url, config.reply_to)  # fmt: skip


def _run(record: dict[str, Any]) -> None:
    work = _work()
    message_id = str(record.get("messageId") or "")
    if message_id and work.store.get(DONE_PARTITION, message_id) is not None:
        logger.info("mail job %s delivered again: already done", message_id)
        return
    work.run(MailJob.from_json(record["body"]))
    if message_id:
        work.store.put(DONE_PARTITION, message_id, {}, work.clock.now() + DONE_FOR_S)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            _run(record)
        except ValueError:
            logger.error("dropped a malformed mail job: %.200r", record.get("body"))
        except Exception:
            logger.exception("mail job failed; SQS will retry it")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
