"""The SNS channel against moto_server: each alert published once, to the topic."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import pytest

from aws_faults import FaultProxy, Rule
from cli_runner_helpers import Courtside
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


def test_notify_cli_sends_alerts_to_sns_once(
    courtside: Courtside, aws_endpoint: str, tmp_path: Path
) -> None:
    import orjson

    from courtside.config import load_settings
    from courtside.home import init_home, open_stream

    aws = AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")
    topic, queue = _topic_with_queue(aws)
    home = tmp_path / "home"
    init_home(load_settings(home=home))
    with open_stream(load_settings(home=home)) as backend:
        backend.append("alerts", orjson.dumps(ALERT))
        backend.append("alerts", orjson.dumps(ALERT))  # a repeat: sent once
    env = {
        **os.environ,
        "COURTSIDE_AWS__ENDPOINT_URL": aws_endpoint,
        "COURTSIDE_AWS__REGION": "us-east-1",
        "COURTSIDE_NOTIFY__SNS_TOPIC_ARN": topic,
    }
    for _ in range(2):  # a second run sends nothing again
        args = ("notify", "--channel", "sns", "--once")
        done = courtside(*args, home=home, env=env, text=True, timeout_s=120)
        assert "testing-secret-never-printed" not in done.stdout + done.stderr
    got = client("sqs", aws).receive_message(
        QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10
    )["Messages"]
    assert len(got) == 1
