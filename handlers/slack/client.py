"""Slack Web API clients built from Settings, and the translation of Slack errors into delivery outcomes.

Listeners use a client that honours 429 (Retry-After) by retrying in place; the outbox notifier uses one that
does not, so a 429 becomes `DeliveryError(retry_after=...)` and the outbox reschedules the message.
The SDK's own loggers write request bodies at DEBUG; ours never do, so a DM to a reporter is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, RetryHandler
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.config import ConfigError, Settings
from bot.ports import DeliveryError

DEFAULT_API_URL = WebClient.BASE_URL

# Addressee problems that no retry will fix; anything else (outage, bad token being fixed) is retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
    }
)
# The bot token itself refused (revoked, app uninstalled, workspace gone): the person running the bot must act; the
# message waits and is retried meanwhile. (account_inactive is the token's account, never the addressee's.)
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


def quiet_logger(name: str) -> logging.Logger:
    """A logger that never goes below WARNING: SDK debug lines carry message bodies and user ids."""
    logger = logging.getLogger(name)
    logger.setLevel(max(logging.WARNING, logger.level))
    return logger


def api_url(settings: Settings) -> str:
    url = settings.slack_api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def out_of_reach(settings: Settings, exc: OSError) -> ConfigError:
    """Slack's Web API could not be reached at start-up (no network, a firewall, a mistyped SLACK_API_URL)."""
    reason = getattr(exc, "reason", None) or exc.strerror or exc
    return ConfigError(
        f"Slack cannot be reached at {api_url(settings)} ({reason}). Check this computer's internet connection, and "
        "that a firewall or web proxy lets it reach that address"
        + (" (or correct SLACK_API_URL)" if settings.slack_api_url else "")
        + ", then start the bot again."
    )


def make_web_client(settings: Settings, *, retry_rate_limits: bool = True, timeout: int = 10) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=2)]
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return WebClient(
        token=token,
        base_url=api_url(settings),
        timeout=timeout,
        retry_handlers=handlers,
        logger=quiet_logger("handlers.slack.web"),
    )


def with_rate_limit_retries(client: WebClient) -> WebClient:
    """The same client, retrying 429s in place (used for calls made inside listeners)."""
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return client


def delivery_error(exc: Exception) -> DeliveryError:
    """Turn a Slack SDK failure into what the outbox needs to know: retry when, or give up."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        if response.status_code == 429:
            headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
            retry_after = headers.get("retry-after") or "1"
            if isinstance(retry_after, list):
                retry_after = retry_after[0]
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = 1.0
            return DeliveryError("slack rate limit", retry_after=seconds)
        error = str(response.get("error") or f"http {response.status_code}")
        if error in TOKEN_ERRORS:
            return DeliveryError(
                f"Slack no longer accepts the bot token ({error}): it may have been revoked or the app removed. Put "
                "the app's current Bot User OAuth Token (xoxb-...) in SLACK_BOT_TOKEN and restart the bot; messages "
                "wait meanwhile"
            )
        return DeliveryError(f"slack error: {error}", permanent=error in PERMANENT_ERRORS)
    return DeliveryError(f"slack unreachable: {type(exc).__name__}")


class RetryingRespond(Respond):
    """bolt's `respond()` (post to the response_url), but honouring 429 Retry-After and retrying once cut off."""

    def __call__(  # type: ignore[override]
        self,
        text: str = "",
        blocks: Sequence[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **extra: Any,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unavailable in this request (there is no response_url)")
        client = WebhookClient(
            url=self.response_url,
            proxy=self.proxy,
            ssl=self.ssl,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=3),
            ],
            logger=quiet_logger("handlers.slack.webhook"),
        )
        body: dict[str, Any] = {"text": text}
        if blocks is not None:
            body["blocks"] = list(blocks)
        for key, value in (("response_type", response_type), ("replace_original", replace_original),
                           ("delete_original", delete_original)):
            if value is not None:
                body[key] = value
        body.update({k: v for k, v in extra.items() if v is not None})
        return client.send_dict(body)


def retrying_respond_middleware(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - bolt's name
    """Give every listener a `respond` that survives 429s (bolt's own does not retry)."""
    if context.response_url:
        context["respond"] = RetryingRespond(response_url=context.response_url, proxy=context.client.proxy,
                                             ssl=context.client.ssl)
    return next()
