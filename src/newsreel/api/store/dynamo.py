"""The production store: one DynamoDB table (pk, sk), TTL on `expires_at`, conditional writes.

It speaks through a boto3 *client*, which is thread-safe (resources are not), because the
handlers call the store from worker threads. Items hold `data` (a JSON string), an optional
`expires_at` (epoch seconds, the TTL attribute) and, for counters, `cnt`.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from newsreel.api.clock import Clock
from newsreel.api.store import Change, Result, StoreBusy

#: How many times `update` re-reads and retries after losing a conditional write.
UPDATE_TRIES = 64


def _conflict(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in (
        "ConditionalCheckFailedException",
        "TransactionConflictException",
    )


def _number(value: float) -> dict[str, str]:
    return {"N": str(Decimal(str(round(value, 3))))}


class DynamoStore:
    def __init__(self, client: Any, table: str, clock: Clock):
        """`client` is a boto3 `dynamodb` client; `table` the table's name."""
        self.client = client
        self.table = table
        self.clock = clock

    @classmethod
    def create_table(cls, client: Any, name: str) -> str:
        """Create the table as infra/template.yaml does (for local runs and tests)."""
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.get_waiter("table_exists").wait(TableName=name)
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
        )
        return name

    def batch(self) -> AbstractContextManager[None]:
        """Each call stays its own request: DynamoDB has no cheaper way to group them."""
        return nullcontext()

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _live(self, item: dict[str, Any]) -> bool:
        expires = item.get("expires_at")
        return expires is None or float(expires["N"]) > self.clock.now()

    def _item(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self.client.get_item(
            TableName=self.table, Key=self._key(pk, sk), ConsistentRead=True
        )
        return answer.get("Item")

    def _put_item(
        self, pk: str, sk: str, data: dict[str, Any], expires_at: float | None
    ) -> dict[str, Any]:
        item = {**self._key(pk, sk), "data": {"S": json.dumps(data)}}
        if expires_at is not None:
            item["expires_at"] = _number(expires_at)
        return item

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self._item(pk, sk)
        if item is None or not self._live(item):
            return None
        return json.loads(item.get("data", {}).get("S", "{}"))

    def put(self, pk, sk, data, expires_at=None, if_absent=False) -> bool:
        kwargs: dict[str, Any] = {}
        if if_absent:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at < :now"
            kwargs["ExpressionAttributeValues"] = {":now": _number(self.clock.now())}
        try:
            self.client.put_item(
                TableName=self.table, Item=self._put_item(pk, sk, data, expires_at), **kwargs
            )
        except ClientError as error:
            if _conflict(error):
                return False
            raise
        return True

    def delete(self, pk: str, sk: str) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(pk, sk))

    def query(self, pk: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ConsistentRead": True,
        }
        if prefix:
            kwargs["KeyConditionExpression"] += " AND begins_with(sk, :prefix)"
            kwargs["ExpressionAttributeValues"][":prefix"] = {"S": prefix}
        items: list[dict[str, Any]] = []
        while True:
            page = self.client.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [
            (item["sk"]["S"], json.loads(item.get("data", {}).get("S", "{}")))
            for item in items
            if self._live(item)
        ]

    def increment(self, pk: str, sk: str, limit: int, expires_at: float) -> int | None:
        """`ADD cnt :1` only while `cnt < :max` and the counter is live; an expired counter
        (TTL deletion is lazy) is replaced by a fresh one, conditionally too."""
        now = _number(self.clock.now())
        try:
            answer = self.client.update_item(
                TableName=self.table,
                Key=self._key(pk, sk),
                UpdateExpression="ADD cnt :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression=(
                    "attribute_not_exists(cnt) OR (cnt < :max AND expires_at > :now)"
                ),
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":max": {"N": str(limit)},
                    ":exp": _number(expires_at),
                    ":now": now,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _conflict(error):
                raise
            return self._restart_expired(pk, sk, expires_at)
        return int(answer["Attributes"]["cnt"]["N"])

    def decrement(self, pk: str, sk: str) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(pk, sk),
                UpdateExpression="ADD cnt :minus",
                ConditionExpression="cnt > :zero",
                ExpressionAttributeValues={":minus": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except ClientError as error:
            if not _conflict(error):
                raise

    def _restart_expired(self, pk: str, sk: str, expires_at: float) -> int | None:
        """Start a counter again at 1 if it has expired; None while it is live and full."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**self._key(pk, sk), "cnt": {"N": "1"}, "expires_at": _number(expires_at)},
                ConditionExpression="expires_at <= :now",
                ExpressionAttributeValues={":now": _number(self.clock.now())},
            )
        except ClientError as error:
            if not _conflict(error):
                raise
            return None  # live and at its limit (or a concurrent restart won)
        return 1

    def update(
        self, pk: str, sk: str, change: Change[Result], expires_at: float | None = None
    ) -> Result:
        """Optimistic concurrency: write only if the item is still what we read."""
        for _ in range(UPDATE_TRIES):
            item = self._item(pk, sk)
            current = (
                json.loads(item.get("data", {}).get("S", "{}"))
                if item is not None and self._live(item)
                else None
            )
            new, result = change(current)
            if new is current:
                return result  # unchanged (or still absent): nothing to write
            if item is None:
                condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
            else:
                condition = {
                    "ConditionExpression": "#data = :old",
                    "ExpressionAttributeNames": {"#data": "data"},
                    "ExpressionAttributeValues": {":old": item.get("data", {"S": "{}"})},
                }
                if "data" not in item:
                    condition = {"ConditionExpression": "attribute_not_exists(#data)",
                                 "ExpressionAttributeNames": {"#data": "data"}}  # fmt: skip
            try:
                if new is None:
                    self.client.delete_item(
                        TableName=self.table, Key=self._key(pk, sk), **condition
                    )
                else:
                    self.client.put_item(
                        TableName=self.table,
                        Item=self._put_item(pk, sk, new, expires_at),
                        **condition,
                    )
            except ClientError as error:
                if _conflict(error):
                    continue
                raise
            return result
        raise StoreBusy(f"{pk} {sk}: too many concurrent writers")
