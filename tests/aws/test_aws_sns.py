"""The SNS channel against moto_server: each alert published once, to the topic."""

from __future__ import annotations

import json
import secrets

import pytest

from aws_faults import FaultProxy, Rule
from courtside.aws import AwsSettings, client
from courtside.errors import ConfigError
from courtside.notify.channels import ChannelDownError, make_channel
from courtside.notify.config import NotifySettings
from courtside.notify.message import notification

pytestmark = pytest.mark.aws

ALERT = {
    "alert_id": "a" * 32,
    "version": 1,
    "team": "Boston Celtics\r\nBcc: evil@example.com",
    "tamperingPlayer": "LeBron James",
    "total": 3,
    "players": ["Jayson Tatum", "Kemba Walker"],
    "window_start": "2020-05-01T12:00:00.000Z",
    "window_end": "2020-05-01T12:01:00.000Z",
}


def _topic_with_queue(aws: AwsSettings) -> tuple[str, str]:
    """A topic with an SQS subscription, so the test can read what was published."""
    sns, sqs = client("sns", aws), client("sqs", aws)
    topic = sns.create_topic(Name=f"alerts-{secrets.token_hex(4)}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"q-{secrets.token_hex(4)}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, queue


def test_publishes_subject_body_and_attributes(aws_endpoint: str) -> None:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    topic, queue = _topic_with_queue(aws)
    channel = make_channel("sns", NotifySettings(sns_topic_arn=topic), aws)
    channel.send(notification(ALERT))
    [message] = client("sqs", aws).receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Subject"] == "NBA Tampering Detect"
    assert envelope["Message"].startswith("NBA team Boston Celtics Bcc: evil@example.com sent 3")
    assert "\n" not in envelope["Message"]
    assert envelope["MessageAttributes"]["alert_id"]["Value"] == "a" * 32


def test_missing_topic_setting_and_missing_topic(aws_endpoint: str) -> None:
    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    with pytest.raises(ConfigError, match="sns_topic_arn"):
        make_channel("sns", NotifySettings(), aws)
    gone = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    channel = make_channel("sns", NotifySettings(sns_topic_arn=gone), aws)
    with pytest.raises(ChannelDownError, match="does not exist"):
        channel.send(notification(ALERT))


def test_throttled_publish_is_retried_then_delivered(aws_endpoint: str) -> None:
    direct = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    topic, queue = _topic_with_queue(direct)
    proxy = FaultProxy(aws_endpoint, [Rule("POST /", 2, "500")]).start()
    try:
        aws = AwsSettings(endpoint_url=proxy.url, region="us-east-1", max_attempts=5)
        make_channel("sns", NotifySettings(sns_topic_arn=topic), aws).send(notification(ALERT))
    finally:
        proxy.stop()
    assert proxy.injected == 2
    got = client("sqs", direct).receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert len(got) == 1
