"""Block Kit rendering: everything the Slack adapter shows is built here, from the core's objects.

Two rules hold for every function in this module:
- Text that came from a person (a question, a report, a note, a name) goes through `escape`, so it can never
  ping anyone (@channel, @here, <!channel>, <@U...>) or make a link that says one thing and goes elsewhere.
- Block Kit limits (3,000 characters in a section, 50 blocks in a message, 100 in a view, 75 in a button) are
  respected by splitting or truncating, always with a way to read the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.policy.models import readable
from bot.ports import Button, OutboundMessage
from bot.reports.domain import CUT_SHORT

Block = dict[str, Any]

SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
HEADER_TEXT = 150
MODAL_TITLE = 24
ALERT_PREVIEW = 2800  # report text shown inside an alert; the rest is one press away
NOTIFICATION_TEXT = 300  # the `text` of a message, used in phone notifications

# Words Slack may turn into a broadcast even without angle brackets.
_BROADCAST = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)


def escape(text: str) -> str:
    """Make any text safe for mrkdwn: no pings, no hidden links, no formatting tricks with < and >."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b", text)


def unescape(text: str) -> str:
    """What someone typed, from the text Slack sends: Slack sends their &, < and > as &amp;, &lt; and &gt;."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text so each piece, once escaped, fits in `limit`: at paragraphs, then lines, then spaces."""
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if len(escape(rest)) <= limit:
            pieces.append(rest)
            break
        # The longest raw prefix whose escaped form fits.
        size, used = 0, 0
        for ch in rest:
            grow = len(escape(ch))
            if used + grow > limit:
                break
            used += grow
            size += 1
        cut = size
        for sep in ("\n\n", "\n", " "):
            at = rest.rfind(sep, 0, size)
            if at > size // 2:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return pieces


# --- small builders ---
def plain(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn_section(safe_text: str) -> Block:
    """A section of already-escaped mrkdwn (callers escape what people wrote)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(safe_text, SECTION_LIMIT) or " "}}


def text_sections(text: str) -> list[Block]:
    return [mrkdwn_section(escape(piece)) for piece in split_text(text)]


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def context(safe_text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(safe_text, SECTION_LIMIT)}]}


def divider() -> Block:
    return {"type": "divider"}


def button(action_id: str, label: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": plain(label, BUTTON_TEXT),
        "value": value[:BUTTON_VALUE],
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def actions(elements: Sequence[dict[str, Any]], block_id: str | None = None) -> list[Block]:
    """Action blocks (25 elements each); action ids made unique within the message with a `#n` suffix."""
    seen: dict[str, int] = {}
    unique = []
    for element in elements:
        action_id = element["action_id"]
        count = seen.get(action_id, 0)
        seen[action_id] = count + 1
        unique.append({**element, "action_id": action_id if count == 0 else f"{action_id}#{count}"})
    blocks = []
    for start in range(0, len(unique), 25):
        block: Block = {"type": "actions", "elements": unique[start : start + 25]}
        if block_id:
            block["block_id"] = f"{block_id}-{start // 25}"
        blocks.append(block)
    return blocks


def base_action(element: dict[str, Any]) -> str:
    """An action id without the `#n` suffix `actions` gives a button repeated in one message."""
    return str(element.get("action_id", "")).split("#", 1)[0]


def fields_section(fields: dict[str, str]) -> list[Block]:
    items = [
        {"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{escape(v)}", FIELD_LIMIT)} for k, v in fields.items()
    ]
    return [{"type": "section", "fields": items[i : i + 10]} for i in range(0, len(items), 10)]


def fit(blocks: list[Block], limit: int, more: Block | None = None) -> list[Block]:
    """Keep within `limit` blocks; when cut, the last block says so (and offers `more`, e.g. a button)."""
    if len(blocks) <= limit:
        return blocks
    tail: list[Block] = [context("_This is too long to show in full here._")]
    if more is not None:
        tail.append(more)
    # Keep any trailing action blocks (the buttons people need), drop from the middle.
    trailing = [b for b in blocks[-3:] if b.get("type") == "actions"]
    room = limit - len(tail) - len(trailing)
    return blocks[:room] + tail + trailing


def notification_text(text: str) -> str:
    """The `text` of a message with blocks: what a phone notification shows. Escaped, short."""
    first = " ".join(text.split())
    return escape(clip(first, NOTIFICATION_TEXT))


def when(moment: dt.datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%a %d %b %Y, %H:%M")


# --- outbound messages from the core (alerts, reminders, prompts) ---
def outbound_blocks(message: OutboundMessage) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        blocks.append(header(message.title))
    if message.fields:
        blocks += fields_section(message.fields)
    text = message.text
    more: Block | None = None
    if message.ref and message.kind.startswith("report_") and len(text) > ALERT_PREVIEW:
        # Cut here, the card's own last line (that the report goes on) would be cut with it: said again.
        text = clip(text, ALERT_PREVIEW - len(CUT_SHORT) - 2) + "\n\n" + CUT_SHORT
        if not any(b.action == "report.view" for b in message.buttons):  # a card without its buttons
            more = actions([button("report.view", "Read the whole report", message.ref)])[0]
    if text.strip():
        blocks += text_sections(text)
    if more is not None:
        blocks.append(more)
    # A sender's "see my report" / "reply" are Telegram's buttons; in Slack a sender uses /status CODE.
    shown = [b for b in message.buttons if not b.action.startswith("sender.")]
    if shown:
        blocks += actions([button_element(b) for b in shown])
    return fit(blocks, MESSAGE_BLOCKS)


def button_element(b: Button) -> dict[str, Any]:
    return button(b.action, b.label, b.value, b.style)


# --- modals ---
def modal(
    title: str,
    blocks: list[Block],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str = "Close",
    private_metadata: str = "",
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "title": plain(title, MODAL_TITLE),
        "close": plain(close, MODAL_TITLE),
        "blocks": fit(blocks, VIEW_BLOCKS),
    }
    if callback_id:
        view["callback_id"] = callback_id
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE)
    if private_metadata:
        view["private_metadata"] = private_metadata[:3000]
    return view


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = True,
    max_length: int = 3000,
    placeholder: str | None = None,
    initial: str | None = None,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    if initial:
        element["initial_value"] = initial[:max_length]
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element,
                    "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def checkbox(block_id: str, label: str, description: str, *, checked: bool, optional: bool = True) -> Block:
    option = {"text": plain(label, 75), "description": plain(description, 150), "value": "yes"}
    element: dict[str, Any] = {"type": "checkboxes", "action_id": "value", "options": [option]}
    if checked:
        element["initial_options"] = [option]
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element,
            "optional": optional}


def metadata(**values: str) -> str:
    return json.dumps(values, separators=(",", ":"))


def read_metadata(raw: str | None) -> dict[str, str]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _state_element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """What a submitted view holds for an input block's element (its action_id is always "value")."""
    element: dict[str, Any] = view.get("state", {}).get("values", {}).get(block_id, {}).get("value", {})
    return element


def state_value(view: dict[str, Any], block_id: str) -> str:
    """The text typed into an input block of a submitted view ('' when empty)."""
    return str(_state_element(view, block_id).get("value") or "")


def state_selected(view: dict[str, Any], block_id: str) -> str:
    option = _state_element(view, block_id).get("selected_option") or {}
    return str(option.get("value") or "")


def state_selected_all(view: dict[str, Any], block_id: str) -> list[str]:
    """The values chosen in a multi-select (or checkboxes) of a submitted view (none when it was left empty)."""
    return [str(o.get("value")) for o in _state_element(view, block_id).get("selected_options") or [] if o.get("value")]


def state_checked(view: dict[str, Any], block_id: str) -> bool:
    return "yes" in state_selected_all(view, block_id)


def state_present(view: dict[str, Any], block_id: str) -> bool:
    """Whether a submitted view holds a state for this input block at all (an unticked box's is still there)."""
    return bool(_state_element(view, block_id))


def long_text_modal(title: str, intro: str, text: str, tail: Iterable[Block] = ()) -> dict[str, Any]:
    """A modal holding a long text, split over as many sections as it needs."""
    blocks: list[Block] = [mrkdwn_section(intro)] if intro else []
    blocks += text_sections(text)
    blocks += list(tail)
    return modal(title, blocks)


# --- policy answers ---
PHOTOS_HINT = ("Taken pictures of pupils on your own phone? Type /photos taken and I will remind you at the end of "
               "each school day to move them to the school's system and delete them, until you type /photos done.")


def answer_blocks(answer: Any) -> list[Block]:
    """An answer from `bot.qa`: the short answer, each quoted clause with its section, and the buttons.

    The answer's own text already quotes the best clause for an "answer"; the other citations are quoted here.
    """
    blocks: list[Block] = text_sections(answer.text)
    citations = list(answer.citations)[:5]
    for number, citation in enumerate(citations):
        if not (answer.outcome == "answer" and number == 0):
            quote = "\n".join("> " + line for line in escape(readable(citation.text)).splitlines() or [""])
            blocks.append(mrkdwn_section(quote))
        blocks.append(context(f"From *{escape(citation.section)}* ({escape(citation.policy)})"))
    if getattr(answer, "photos", False):
        blocks.append(context(PHOTOS_HINT))
    elements = [button("report.open", "Report a concern", "", "danger")] if answer.report else []
    if citations:
        seen_sections: set[str] = set()
        for citation in citations:
            if citation.section_id not in seen_sections:
                seen_sections.add(citation.section_id)
                label = "Show whole section" if len(citations) == 1 else f"Show: {citation.section}"
                elements.append(button("policy.section", label, citation.section_id))
        first = citations[0].clause
        elements.append(button("feedback.helpful", "Helpful", first))
        elements.append(button("feedback.unhelpful", "Not helpful", first))
    if elements:
        blocks += actions(elements)
    return fit(blocks, MESSAGE_BLOCKS)


FEEDBACK_ACTIONS = ("feedback.helpful", "feedback.unhelpful")


def without_feedback_buttons(blocks: Sequence[Block], note: str) -> list[Block]:
    """An answer's blocks once its "did this help?" has been answered: one vote per answer, so the pair goes (the
    other buttons stay) and a note says the feedback was taken."""
    kept: list[Block] = []
    for block in blocks:
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements", []) if base_action(e) not in FEEDBACK_ACTIONS]
            if not elements:
                continue
            block = {**block, "elements": elements}
        kept.append(block)
    return [*kept, context(escape(note))]


def section_modal(policy_title: str, section_title: str, clause_texts: Sequence[str]) -> dict[str, Any]:
    """The whole section of a policy, word for word, in a modal."""
    blocks: list[Block] = [context(f"*{escape(policy_title)}*"), header(section_title)]
    for text in clause_texts:
        blocks += text_sections(text)
    return modal("Policy section", blocks)


# --- policy reviews ---
REVIEW_CALLBACK = "review.submit"
REVIEW_VERSION_BLOCK = "version"
REVIEW_NOTES_BLOCK = "notes"
REVIEW_VERSION_LIMIT = 50


def review_modal(policy_id: str, title: str, version: str, **where: str) -> dict[str, Any]:
    """The "Reviewed and updated" modal: the new version (optional) and notes, recorded when sent.

    `where` (e.g. home="1" or channel="D...") rides in the metadata, so the submission can answer in the right place.
    """
    blocks: list[Block] = [
        mrkdwn_section(f"*{escape(title)}*\nCurrent version: *{escape(version)}*"),
        text_input(
            REVIEW_VERSION_BLOCK,
            "New version",
            multiline=False,
            max_length=REVIEW_VERSION_LIMIT,
            placeholder="for example 2.1",
            optional=True,
            hint="Leave empty if the version number has not changed.",
        ),
        text_input(
            REVIEW_NOTES_BLOCK,
            "Notes",
            max_length=SECTION_LIMIT,
            placeholder="What changed, and who agreed it",
            optional=True,
        ),
        context("The review is recorded with today's date and your name; the review reminders stop."),
    ]
    values = {"policy": policy_id, **{k: v for k, v in where.items() if v}}
    return modal("Record the review", blocks, callback_id=REVIEW_CALLBACK, submit="Record review",
                 close="Cancel", private_metadata=metadata(**values))
