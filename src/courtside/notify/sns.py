"""The SNS channel (the original's Lambda + SNS email): each alert version is published
once to the alerts topic, whose email subscription mails it.

Once per channel across restarts is the notifier's sent book's job (as for every channel);
the publish carries the alert id and version as message attributes, and on a FIFO topic
``<alert_id>-<version>`` as the deduplication id, so a repeat after a crash between the
publish and the book is dropped by SNS itself.
"""

from __future__ import annotations

from courtside.aws import AwsSettings, aws_error, client, error_code
from courtside.errors import ConfigError
from courtside.notify.channels import AlertRejectedError, Channel, ChannelDownError
from courtside.notify.message import Notification

__all__ = ["SnsChannel"]

_REJECTED = {"InvalidParameter", "InvalidParameterValue", "ValidationError"}
_MAX_SUBJECT = 100  # SNS: at most 100 printable ASCII characters


def _ascii_line(text: str, limit: int) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)[:limit]


class SnsChannel(Channel):
    """Publishes each notification to an SNS topic.

    Raises:
        ConfigError: at construction when no topic is configured.
    """

    name = "sns"

    def __init__(self, topic_arn: str | None, aws: AwsSettings) -> None:
        if not topic_arn:
            raise ConfigError(
                "notify.sns_topic_arn is not set (the AlertsTopicArn output of the stack)",
                key="notify.sns_topic_arn",
            )
        self.topic_arn = topic_arn
        self.fifo = topic_arn.endswith(".fifo")
        self.sns = client("sns", aws)

    def send(self, note: Notification) -> None:
        kwargs: dict[str, object] = {
            "TopicArn": self.topic_arn,
            "Subject": _ascii_line(note.subject, _MAX_SUBJECT),
            "Message": note.body,
            "MessageAttributes": {
                "alert_id": {"DataType": "String", "StringValue": note.alert_id},
                "version": {"DataType": "Number", "StringValue": str(note.version)},
            },
        }
        if self.fifo:
            kwargs["MessageGroupId"] = note.alert_id
            kwargs["MessageDeduplicationId"] = f"{note.alert_id}-{note.version}"
        try:
            self.sns.publish(**kwargs)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            code = error_code(exc)
            err = aws_error(exc, f"publishing to SNS topic {self.topic_arn}")
            if code in _REJECTED:
                raise AlertRejectedError(str(err)) from None
            if code == "NotFound":
                raise ChannelDownError(
                    f"SNS topic {self.topic_arn} does not exist (deploy "
                    "deploy/cloudformation/courtside.yaml)"
                ) from None
            raise ChannelDownError(str(err)) from None
