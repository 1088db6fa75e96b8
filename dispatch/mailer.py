"""Email delivery for the outbox: one SMTP conversation per message, with a stable Message-ID."""

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr

from core.settings import Settings, get_settings
from dispatch.outbox import OutboxMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    timeout: float = 10.0
    starttls: bool = False
    username: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "SmtpConfig":
        s = settings or get_settings()
        return cls(host=s.smtp_host, port=s.smtp_port, mail_from=s.mail_from, timeout=s.smtp_timeout_seconds,
                   starttls=s.smtp_starttls, username=s.smtp_username, password=s.smtp_password)


def _one_recipient(to: str) -> str:
    """The one mailbox a message goes to; a list (a comma, a second address) is refused, never widened."""
    parsed = getaddresses([to])
    if "," in to or ";" in to or len(parsed) != 1 or not parsed[0][1] or parsed[0][1] != to.strip():
        raise ValueError(f"an outbox email goes to one recipient, not {to!r}")
    return parsed[0][1]


def build(message: OutboxMessage, config: SmtpConfig) -> EmailMessage:
    """The email of an outbox row; payload: to, subject, text, optional html, lang, headers."""
    payload = message.payload
    mail = EmailMessage()
    domain = parseaddr(config.mail_from)[1].partition("@")[2] or "ruecommune.example"
    # Stable per outbox row: if a crash ever lands between the SMTP server's acceptance and our commit,
    # the resent copy carries the same Message-ID and mail systems drop it as a duplicate.
    mail["Message-ID"] = f"<outbox-{message.id}@{domain}>"
    mail["Date"] = formatdate(localtime=False)
    mail["From"] = config.mail_from
    mail["To"] = _one_recipient(payload["to"])
    mail["Subject"] = payload["subject"]
    if payload.get("lang"):
        mail["Content-Language"] = payload["lang"]
    for name, value in (payload.get("headers") or {}).items():
        mail[name] = value
    mail.set_content(payload["text"])
    if payload.get("html"):
        mail.add_alternative(payload["html"], subtype="html")
    return mail


def send(message: OutboxMessage, config: SmtpConfig) -> None:
    """Hand one message to the SMTP server; raises (so the worker retries) unless the server accepted it."""
    mail = build(message, config)
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username:
            smtp.login(config.username, config.password)
        refused = smtp.send_message(mail)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
