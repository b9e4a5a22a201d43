"""The production store: one DynamoDB table (pk, sk), TTL on `expires_at`, conditional writes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from newsreel.api.clock import Clock


class DynamoStore:
    def __init__(self, table: Any, clock: Clock):
        """`table` is a boto3 `dynamodb.Table` resource."""
        self.table = table
        self.clock = clock

    @classmethod
    def create_table(cls, dynamodb: Any, name: str) -> Any:
        """Create the table as infra/template.yaml does (for local runs and tests)."""
        table = dynamodb.create_table(
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
        table.wait_until_exists()
        dynamodb.meta.client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
        )
        return table

    def _now(self) -> Decimal:
        return Decimal(str(self.clock.now()))

    def _live(self, item: dict[str, Any]) -> bool:
        expires = item.get("expires_at")
        return expires is None or Decimal(expires) > self._now()

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        if item is None or not self._live(item):
            return None
        return json.loads(item.get("data", "{}"))

    def put(self, pk, sk, data, expires_at=None, if_absent=False) -> bool:
        item: dict[str, Any] = {"pk": pk, "sk": sk, "data": json.dumps(data)}
        if expires_at is not None:
            item["expires_at"] = Decimal(str(round(expires_at, 3)))
        kwargs: dict[str, Any] = {}
        if if_absent:
            kwargs["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at < :now"
            kwargs["ExpressionAttributeValues"] = {":now": self._now()}
        try:
            self.table.put_item(Item=item, **kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def delete(self, pk: str, sk: str) -> None:
        self.table.delete_item(Key={"pk": pk, "sk": sk})

    def query(self, pk: str, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
        from boto3.dynamodb.conditions import Key

        condition = Key("pk").eq(pk)
        if prefix:
            condition &= Key("sk").begins_with(prefix)
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        while True:
            page = self.table.query(**kwargs)
            items += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return [(i["sk"], json.loads(i.get("data", "{}"))) for i in items if self._live(i)]

    def increment(self, pk: str, sk: str, limit: int, expires_at: float) -> int | None:
        """`ADD cnt :1` only while `cnt < :max` (and the counter has not expired)."""
        now = self._now()
        expires = Decimal(str(round(expires_at, 3)))
        try:
            result = self.table.update_item(
                Key={"pk": pk, "sk": sk},
                UpdateExpression="ADD cnt :one SET expires_at = if_not_exists(expires_at, :exp)",
                ConditionExpression="attribute_not_exists(cnt) OR cnt < :max",
                ExpressionAttributeValues={":one": 1, ":max": limit, ":exp": expires},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            item = self.table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
            if item and not self._live(item):  # an expired counter, not yet swept: start again
                self.table.put_item(Item={"pk": pk, "sk": sk, "cnt": 1, "expires_at": expires})
                return 1
            return None
        attributes = result["Attributes"]
        if Decimal(attributes["expires_at"]) <= now:  # stale counter from an old window
            self.table.put_item(Item={"pk": pk, "sk": sk, "cnt": 1, "expires_at": expires})
            return 1
        return int(attributes["cnt"])
