"""The two conversations that need memory, as one persistent state machine (so one cannot swallow the other's
messages): making a report, and checking one (with an answer to the school's question).

    /report, menu "Report a concern"
        └─► 999 notice, categories ──(choose)──► DESCRIBE ◄──(Add more)──┐
                                                   │ text, photos, documents│
                                                   └──(Done)──► REVIEW ─────┘
                                                                 │ (Send it)
                                                                 ▼
                                 KEEP ──(keep me updated here | keep nothing)──► submit ─► receipt ─► end

    /status [CODE], menu "Check a report", a notification's button
        └─► (no code yet) STATUS_CODE ──(code)──► the report's status ─► end
                                    "Reply to the school" ──► STATUS_REPLY ──(text)──► sender_reply ─► end

    /cancel at any step ends it; nothing is sent before "Send it" and a keep choice. State and draft are kept
    by `DatabasePersistence` (encrypted), so a flow survives a restart of the bot.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
import warnings
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.typed import CANCEL_WORDS, TYPED_REPORT, TYPED_STATUS, asks_for_help, normalised
from handlers.telegram import chat as chat_flows
from handlers.telegram import texts
from handlers.telegram.added import added_notes
from handlers.telegram.awaiting import HELD, awaiting_answers
from handlers.telegram.chat import MENU_ASK, MENU_REPORT, MENU_STATUS
from handlers.telegram.common import (
    DRAFT,
    KEEPING,
    Context,
    Keyboard,
    answer_callback,
    core_of,
    in_thread,
    report_underway,
    report_waits_for_keep_choice,
    requester,
    say,
    say_blocks,
)
from handlers.telegram.dsl import REPLIES_TO_STEP
from handlers.telegram.formatting import bold, plain, quote

if TYPE_CHECKING:
    from bot.reports.domain import Attachment, ReplyAddress, SenderView

log = logging.getLogger(__name__)

CONVERSATION = "flows"
CATEGORY, DESCRIBE, ABOUT, REVIEW, KEEP, STATUS_CODE, STATUS_REPLY = (
    "category", "describe", "about", "review", "keep", "status_code", "status_reply",
)
END = ConversationHandler.END

# Callback data
CHOOSE = "rc:"  # + category key
DONE, ADD_MORE, SEND, CANCEL = "r:done", "r:more", "r:send", "r:cancel"
KEEP_HERE, KEEP_NOTHING = "r:keep", "r:none"
STATUS = "st:"  # + receipt code: show the status
REPLY = "sr:"  # + receipt code: answer the school
FORGET = "sf:"  # + receipt code: stop news in this chat (the school forgets how to reach the sender)
ABOUT_ROLE, ABOUT_NONE = "ra:", "ra:no"  # + the place of a role in the draft's MENTIONED: the concern is about them
IS_ANSWER, IS_QUESTION = "ta:y:", "ta:n:"  # + receipt code: a message typed after news is the answer, or not

MAX_FILES = 10
MAX_FILE_BYTES = 15 * 1024 * 1024
REPLY_CODE = "reply_code"
# What the report service can clean of metadata (bot/reports/evidence.py); others are refused at once, while
# the sender can still describe them in words, rather than at the end.
PICTURE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff", "image/heic", "image/heif"}
)

DESCRIBE_BUTTONS = [[("Done", DONE), ("Cancel", CANCEL)]]
REVIEW_BUTTONS = [[("Send it", SEND)], [("Add more", ADD_MORE), ("Cancel", CANCEL)]]
KEEP_BUTTONS = [[("Keep me updated here", KEEP_HERE)], [("Keep nothing", KEEP_NOTHING)]]


def _draft(context: Context) -> dict[str, Any]:
    data = context.chat_data if context.chat_data is not None else {}
    draft = data.get(DRAFT)
    if not isinstance(draft, dict):
        draft = {"category": None, "parts": [], "files": []}
        data[DRAFT] = draft
    return draft


def _clear(context: Context) -> None:
    if context.chat_data is not None:
        context.chat_data.pop(DRAFT, None)
        context.chat_data.pop(REPLY_CODE, None)


# --- the report ---
async def start_report(update: Update, context: Context) -> str | None:
    await answer_callback(update)
    if report_underway(context):  # /report or an old "Report a concern" button: never throw the draft away
        await in_progress(update, context)
        return None
    core = core_of(context)
    _clear(context)
    _draft(context)
    categories = core.reports.categories()
    await say(update, context, core.reports.emergency_notice())
    rows = [[(category.label, CHOOSE + category.key)] for category in categories]
    rows.append([("Cancel", CANCEL)])
    lines = [texts.CHOOSE_CATEGORY, ""] + [f"• {c.label}: {c.description}" for c in categories]
    await say(update, context, "\n".join(lines), rows)
    return CATEGORY


async def choose_category(update: Update, context: Context) -> str | None:
    said = await _set_category(update, context, "You chose: {label}.")
    if said is None:
        return None
    await say(update, context, said + "\n\n" + texts.DESCRIBE, DESCRIBE_BUTTONS)
    return DESCRIBE


async def change_category(update: Update, context: Context) -> str | None:
    """A category pressed again while describing ("Something else" was really "A child at risk"): the report's
    category changes and what has been sent is kept, rather than the button being refused as stale."""
    said = await _set_category(update, context, texts.CATEGORY_CHANGED)
    if said is not None:
        await say(update, context, said + "\n\n" + texts.SEND_MORE, DESCRIBE_BUTTONS)
    return None


async def change_category_on_review(update: Update, context: Context) -> str | None:
    """The same on the review screen, or at the keep choice: the review is shown again, with the new category."""
    said = await _set_category(update, context, texts.CATEGORY_CHANGED)
    if said is None:
        return None
    draft = _draft(context)
    draft.pop(KEEPING, None)
    draft.pop(REVIEWED, None)
    await say(update, context, said)
    # The roles the report names are asked about again for the new kind of concern: "the head" was not asked about in
    # a concern about the headteacher (it never goes to them), but a concern about staff goes to the head.
    moved = await done(update, context)
    return REVIEW if moved is None else moved


async def _set_category(update: Update, context: Context, said: str) -> str | None:
    """The draft's category set to the one pressed, and what to tell the parent (`said`, with the category's
    {label}); None for a category removed since the keyboard was sent."""
    query = update.callback_query
    core = core_of(context)
    key = (query.data or "").removeprefix(CHOOSE) if query else ""
    try:
        category = core.reports.category(key)
    except Exception:  # noqa: BLE001 - a category removed since the keyboard was sent
        await answer_callback(update, texts.STALE_BUTTON)
        return None
    await answer_callback(update)
    _draft(context)["category"] = category.key
    _back_after_a_while(context, _draft(context))  # (a first message a day after this choice is said to be added)
    said = said.format(label=category.label)
    if category.emergency_notice:  # the whole notice came with the categories: its first sentence again
        said += "\n\n" + core.reports.emergency_reminder()
    return said


# A button's word typed instead of pressed ("cancel", "done", "send it") does what the button does; it is not added
# to the report, where the DSLs would read it and the parent would think they had stopped, finished or sent.
_TYPED_DONE = frozenset({"done", "finished", "that's all", "thats all", "that's it", "thats it", "i'm done", "im done",
                         "finish", "all done", "i finished", "i have finished", "that is all", "that is it"})
# "Send it" typed: "send" with only such words around it ("yes send", "ok send it please"). On the review, a bare
# "yes" or "ok" too: it answers "Send it?", and the keep choice that follows still asks before anything is sent.
_SEND_FILLERS = frozenset({"yes", "yeah", "yep", "ok", "okay", "please", "pls", "it", "now", "the", "my", "report"})
_TYPED_YES = frozenset({"yes", "yes please", "yeah", "yep", "ok", "okay", "ok please"})

# "cancel", "help", "report" and "status" typed are bot.typed's words (CANCEL_WORDS, asks_for_help, TYPED_REPORT,
# TYPED_STATUS), shared with the console chat and Slack: not a question to the policy nor words for a report.


def _typed_send(typed: str) -> bool:
    words = typed.split()
    return "send" in words and all(word in _SEND_FILLERS or word == "send" for word in words)


def _forwarded(update: Update, context: Context, what: str = "message") -> str:
    """For a forwarded message, a line saying so, with who first sent it and when, so the DSLs can tell evidence from
    the sender's own words (Telegram gives the origin; the sender's own name is never written)."""
    from telegram import MessageOriginChannel, MessageOriginChat, MessageOriginHiddenUser, MessageOriginUser

    message, me = update.message, update.effective_user
    origin = message.forward_origin if message is not None else None
    if origin is None:
        return ""
    who: str | None = None
    if isinstance(origin, MessageOriginUser):
        if me is None or origin.sender_user.id != me.id:
            user = origin.sender_user
            who = user.full_name + (f" (@{user.username})" if user.username else "")
    elif isinstance(origin, MessageOriginHiddenUser):
        if me is None or origin.sender_user_name != me.full_name:
            who = f"{origin.sender_user_name} (an account that hides its details)"
    elif isinstance(origin, MessageOriginChat):
        who = origin.sender_chat.title or "a group"
    elif isinstance(origin, MessageOriginChannel):
        who = f"the channel {origin.chat.title}" if origin.chat.title else "a channel"
    sent = origin.date.astimezone(core_of(context).school.tz).strftime("%d %b %Y %H:%M")
    source = f"first sent by {who}" if who else "one of the sender's own, first sent"
    return f"[Forwarded {what}, {source} on {sent}]"


async def add_text(update: Update, context: Context) -> str | int | None:
    message = update.message
    if message is None or not message.text:
        return None
    typed = normalised(message.text)
    if typed in CANCEL_WORDS:
        return await cancel(update, context)
    if asks_for_help(typed):  # the help, with what typing does now; not added to the report
        await chat_flows.help_command(update, context)
        return None
    if typed in _TYPED_DONE or _typed_send(typed):  # "send it" while writing: the review, where Send it is
        return await done(update, context)
    code = _news_replied_to(message)
    if code is not None:  # a swipe reply to the school's news about an earlier report: its answer, not this report's
        await _answer_while_writing(update, context, code, message.text)
        return None
    draft = _draft(context)
    marked = "\n".join(filter(None, [_forwarded(update, context), message.text]))
    if draft["parts"] and draft["parts"][-1] == marked:
        # Sent again, most likely because our "Added." did not arrive: it is in the report once.
        _in_report(draft, message)
        await added_notes(context).added(update, context, DESCRIBE_BUTTONS)
        return None
    if _too_long(context, draft, marked):
        await say(update, context, texts.TOO_LONG, DESCRIBE_BUTTONS)
        return None
    draft["parts"].append(marked)
    _in_report(draft, message)
    if _back_after_a_while(context, draft):
        await say(update, context, texts.ADDED_AFTER_A_WHILE, DESCRIBE_BUTTONS)
        return None
    await added_notes(context).added(update, context, DESCRIBE_BUTTONS)
    return None


# A draft's ids of the messages whose words are in it: a change to one of them is added to the report, and a change
# to any other (a question asked before /report) is not. Only with the draft, which goes when the report is sent.
IN_REPORT = "in_report"


def _in_report(draft: dict[str, Any], message: Message) -> None:
    draft.setdefault(IN_REPORT, []).append(message.message_id)


RESUMED_AFTER = dt.timedelta(hours=2)
LAST_ADDED = "last_added"  # a draft's time (ISO) of its last message, picture or category choice


def _back_after_a_while(context: Context, draft: dict[str, Any]) -> bool:
    """Whether this is the first thing added to the draft after a long silence ("Hello again, I want to finish what
    I started yesterday"): the parent may have forgotten that what they type goes into a report. Notes the time."""
    now = core_of(context).clock.now()
    last = draft.get(LAST_ADDED)
    draft[LAST_ADDED] = now.isoformat()
    try:
        return isinstance(last, str) and now - dt.datetime.fromisoformat(last) >= RESUMED_AFTER
    except (TypeError, ValueError):  # a time from a draft written otherwise: no note
        return False


def _news_replied_to(message: Message | None) -> str | None:
    """The receipt code of the bot's message this one replies to (a swipe reply to news about a report), if any."""
    from bot.reports.receipts import find_code

    quoted = message.reply_to_message if message is not None else None
    if quoted is None or quoted.from_user is None or not quoted.from_user.is_bot:
        return None
    return find_code(quoted.text or quoted.caption or "")


async def _answer_while_writing(update: Update, context: Context, code: str, text: str) -> None:
    """The answer to the school about report `code`, sent while another report is being written, which is kept."""
    from bot.reports.domain import ReportError

    chat = update.effective_chat
    assert chat is not None
    core = core_of(context)
    try:
        await in_thread(
            core.reports.sender_reply, code, text, requester=requester(core, chat.id), asked_from=_here(chat.id)
        )
    except ReportError as exc:
        await say(update, context, f"{exc}\n\n{texts.NOT_ADDED_TO_THIS_REPORT}", DESCRIBE_BUTTONS)
        return
    awaiting_answers(context).done(chat.id, code)
    await say(update, context, texts.ANSWERED_WHILE_WRITING.format(code=code), DESCRIBE_BUTTONS)


async def add_file(update: Update, context: Context) -> str | None:
    message = update.message
    if message is None:
        return None
    draft = _draft(context)
    found = _picture(message)
    if found is None:
        # The words are kept, even if the file is not.
        if message.caption and not _too_long(context, draft, message.caption):
            draft["parts"].append(message.caption)
            _in_report(draft, message)
            await _say_once(update, context, texts.WORDS_KEPT_NOT_FILE, DESCRIBE_BUTTONS)
            return None
        await _say_once(update, context, texts.ONLY_PICTURES, DESCRIBE_BUTTONS)
        return None
    file_id, content_type, size = found
    if size and size > MAX_FILE_BYTES:
        await _say_once(update, context, texts.FILE_TOO_LARGE, DESCRIBE_BUTTONS)
        return None
    if len(draft["files"]) >= MAX_FILES:
        await _say_once(update, context, texts.TOO_MANY_FILES, DESCRIBE_BUTTONS)
        return None
    if message.caption and _too_long(context, draft, message.caption):
        await _say_once(update, context, texts.TOO_LONG, DESCRIBE_BUTTONS)
        return None
    # Only Telegram's file id is kept until the report is sent; the picture is fetched at that moment.
    # "n": its place in the order sent, which a message about a picture left out names (the list itself shrinks)
    draft[PICTURES_SENT] = draft.get(PICTURES_SENT, len(draft["files"])) + 1
    draft["files"].append({"file_id": file_id, "type": content_type, "n": draft[PICTURES_SENT]})
    _in_report(draft, message)  # a caption written or changed later is the picture's: it is added too
    said = "\n".join(filter(None, [_forwarded(update, context, f"picture (number {len(draft['files'])})"),
                                    message.caption]))
    if said:
        draft["parts"].append(said)
    album = message.media_group_id
    first_of_album = album is None or draft.get("album") != album  # an album of ten is one "Added.", not ten
    draft["album"] = album
    if _back_after_a_while(context, draft) and first_of_album:
        await say(update, context, texts.ADDED_AFTER_A_WHILE, DESCRIBE_BUTTONS)
        return None
    await added_notes(context).added(update, context, DESCRIBE_BUTTONS, quietly=not first_of_album)
    return None


PICTURES_SENT = "pictures_sent"  # a draft's count of the pictures added to it, those left out since included
ALBUM_SAID = "album_said"  # a draft's {"album": id, "said": [...]}: what the album coming in has been told already


async def _say_once(update: Update, context: Context, text: str, buttons: Keyboard | None = None) -> None:
    """Say `text`, once for a whole album: an album reaches the bot as one message per picture, and the parent sent
    it as one (ten "That file is too large" for one album would bury what matters)."""
    album = update.message.media_group_id if update.message is not None else None
    if album is not None:
        draft = _draft(context)
        said = draft.get(ALBUM_SAID)
        if not isinstance(said, dict) or said.get("album") != album:
            said = draft[ALBUM_SAID] = {"album": album, "said": []}
        if text in said["said"]:
            return
        said["said"].append(text)
    await say(update, context, text, buttons)


def _report_text(parts: list[str]) -> str:
    """The report's text as it will be sent: the messages, a blank line between them."""
    return "\n\n".join(p for p in parts if p.strip())


def _too_long(context: Context, draft: dict[str, Any], more: str) -> bool:
    """Whether adding `more` would make the report one the report service refuses (too long): said while the
    sender can still choose what to send instead, not at the end."""
    return core_of(context).reports.text_problem(_report_text([*draft["parts"], more])) is not None


def _picture(message: Message) -> tuple[str, str, int] | None:
    if message.photo:
        biggest = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return biggest.file_id, "image/jpeg", biggest.file_size or 0
    document = message.document
    if document is not None and (document.mime_type or "") in PICTURE_TYPES:
        return document.file_id, document.mime_type or "image/png", document.file_size or 0
    return None


async def add_after_review(update: Update, context: Context) -> str | int:
    """More text or pictures on the review screen: added to the draft, back to describing."""
    message = update.message
    if message is not None and message.text:
        typed = normalised(message.text)
        if _typed_send(typed) or typed in _TYPED_YES:
            return await confirm(update, context)
        moved = await add_text(update, context)
        return DESCRIBE if moved is None else moved
    await add_file(update, context)
    return DESCRIBE


async def use_the_buttons(update: Update, context: Context) -> None:
    """Typing where a choice is expected: say so, and keep the flow where it is. Pictures sent there are not kept,
    which is said (once for an album), with how to add them."""
    message = update.message
    if message is None or message.text:
        await say(update, context, texts.USE_BUTTONS)
    elif report_waits_for_keep_choice(context):
        await _say_once(update, context, texts.NOT_ADDED_ADD_MORE)
    else:
        await _say_once(update, context, texts.NOT_ADDED_CHOOSE_FIRST)


async def not_for_report(update: Update, context: Context) -> None:
    """Stickers, voice notes, videos while describing: say what we can take."""
    await _say_once(update, context, texts.ONLY_PICTURES, DESCRIBE_BUTTONS)


async def not_for_report_on_review(update: Update, context: Context) -> None:
    """The same on the review screen, with its own buttons (not the advice to start a report with /report)."""
    await _say_once(update, context, texts.ONLY_PICTURES, REVIEW_BUTTONS)


async def edited_while_describing(update: Update, context: Context) -> None:
    await _take_edit(update, context)


async def _take_edit(update: Update, context: Context) -> bool:
    """A message changed while the report is being written (a name put right): the new version is added, marked, as
    the first is in the report already and the school should see both. A change to a message that is not in the
    report (a question asked before /report, the choice of a button) is not added: words that were never part of it
    would be. Returns whether it was added."""
    message = update.edited_message
    changed = (message.text or message.caption or "") if message is not None else ""
    draft = _draft(context)
    marked = f"[Changed version of an earlier message]\n{changed}"
    if message is None or message.message_id not in draft.get(IN_REPORT, ()):
        await say(update, context, texts.EDITED_NOT_IN_REPORT, DESCRIBE_BUTTONS)
        return False
    if not changed.strip() or changed.startswith("/"):
        await say(update, context, texts.EDITED, DESCRIBE_BUTTONS)
        return False
    if _too_long(context, draft, marked):
        await say(update, context, texts.TOO_LONG, DESCRIBE_BUTTONS)
        return False
    draft["parts"].append(marked)
    await say(update, context, texts.EDITED_IN_REPORT, DESCRIBE_BUTTONS)
    return True


async def edited_on_review(update: Update, context: Context) -> str | None:
    """The same on the review screen: back to writing once it is added, as for anything else added there."""
    return DESCRIBE if await _take_edit(update, context) else None


async def done(update: Update, context: Context) -> str | None:
    draft = _draft(context)
    if draft.get(REVIEWED) == _size(draft):  # "Done" again on the review: the review screen above is still current
        if update.callback_query is not None:
            await answer_callback(update, texts.REVIEW_ABOVE)
        else:
            await say(update, context, texts.REVIEW_ABOVE)
        return REVIEW
    await answer_callback(update)
    added_notes(context).forget(update)
    if not _report_text(draft["parts"]):  # pictures alone are not a report: a few words say what they show
        await say(update, context, texts.NEED_WORDS if draft["files"] else texts.NEED_DESCRIPTION, DESCRIBE_BUTTONS)
        return None
    # "The headteacher grabbed my son": a role named in the report may be who it is about; only the parent knows.
    # Asked once, and again only if more added to the report names another role.
    mentioned = await in_thread(core_of(context).reports.mentioned_roles, _report_text(draft["parts"]),
                                draft["category"])
    listed = [[role, label, names] for role, label, names in mentioned]
    if listed and listed != draft.get(MENTIONED):
        draft[MENTIONED] = listed
        # earlier choices stand (for roles still named); only roles not yet answered for are asked about
        still = {label for _, label, _ in listed}
        draft[KEPT_FROM] = {label: names for label, names in (draft.get(KEPT_FROM) or {}).items() if label in still}
        return await _ask_about(update, context, draft)
    return await _review(update, context)


MENTIONED = "mentioned"  # a draft's [role, label, names] for the roles its text names, once the parent was asked
KEPT_FROM = "kept_from"  # a draft's {role label: names} the parent said the concern is about


async def _ask_about(update: Update, context: Context, draft: dict[str, Any]) -> str:
    """Which of the roles the report names it is about: one button each (by role, so an older button still means
    the same role), until the parent says none or no more."""
    from bot.reports.domain import about_question

    chosen = draft.get(KEPT_FROM) or {}
    left = [(role, label) for role, label, _ in draft[MENTIONED] if label not in chosen]
    rows = [[(f"Yes, about the {label}", f"{ABOUT_ROLE}{role}")] for role, label in left]
    if chosen:
        said = texts.about_another(list(chosen), [label for _, label in left])
        await say(update, context, said, [*rows, [("No, that is all", ABOUT_NONE)]])
    else:
        await say(update, context, about_question([label for _, label in left]), [*rows, [("No", ABOUT_NONE)]])
    return ABOUT


async def about_choice(update: Update, context: Context) -> str | None:
    await answer_callback(update)
    query = update.callback_query
    draft = _draft(context)
    chosen = (query.data or "").removeprefix(ABOUT_ROLE) if query else ""
    found = [(label, names) for role, label, names in draft.get(MENTIONED) or [] if role == chosen]
    if chosen != ABOUT_NONE.removeprefix(ABOUT_ROLE) and not found:
        await say(update, context, texts.STALE_BUTTON)  # from a question about roles the report no longer names
        return None
    if found:
        label, names = found[0]
        draft.setdefault(KEPT_FROM, {})[label] = list(names)
        if any(label not in draft[KEPT_FROM] for _, label, _ in draft[MENTIONED]):
            return await _ask_about(update, context, draft)
    return await _review(update, context)


REVIEWED = "reviewed"  # a draft's size (messages and pictures) when its review screen was last shown


def _size(draft: dict[str, Any]) -> int:
    return len(draft["parts"]) + len(draft["files"])


async def _review(update: Update, context: Context) -> str:
    core = core_of(context)
    draft = _draft(context)
    draft[REVIEWED] = _size(draft)
    try:
        label = core.reports.category(draft["category"]).label
    except Exception:  # noqa: BLE001
        label = str(draft["category"])
    blocks = [bold("Please check your report before it is sent."), plain(f"Concern: {label}")]
    text = _report_text(draft["parts"])
    if text:
        blocks.append(quote(text))
    if draft["files"]:
        count = len(draft["files"])
        blocks.append(plain(f"With {count} picture{'s' if count != 1 else ''}."))
    if draft.get(KEPT_FROM):
        blocks.append(plain(f"It will not be sent to {texts.the_roles(list(draft[KEPT_FROM]))}."))
    blocks.append(plain("Nothing has been sent yet."))
    await say_blocks(update, context, blocks, REVIEW_BUTTONS)
    return REVIEW


async def add_more(update: Update, context: Context) -> str:
    await answer_callback(update)
    draft = _draft(context)
    draft.pop(REVIEWED, None)  # "Done" shows the review again, even with nothing added
    draft.pop(KEEPING, None)  # pressed on the review after "Send it": not sent, so more can still be added
    await say(update, context, "Please send what you would like to add, then press Done.", DESCRIBE_BUTTONS)
    return DESCRIBE


async def confirm(update: Update, context: Context) -> str:
    await answer_callback(update)
    _draft(context)[KEEPING] = True
    await say(update, context, texts.KEEP_CHOICE, KEEP_BUTTONS)
    return KEEP


# The keep choice typed in the buttons' words ("keep me updated"): it does what the button does. Nothing looser ("no"
# may mean "do not send it"): anything else is met with "Please choose with the buttons above", but "stop" or "cancel",
# which stops the report as /cancel does (with its Undo), as while writing it.
_TYPED_KEEP = {
    "keep me updated": KEEP_HERE, "keep me updated here": KEEP_HERE, "keep me updated please": KEEP_HERE,
    "update me": KEEP_HERE, "keep nothing": KEEP_NOTHING,
}


async def keep_typed(update: Update, context: Context) -> str | int | None:
    typed = normalised(update.message.text or "") if update.message is not None else ""
    if typed in CANCEL_WORDS:
        return await cancel(update, context)
    choice = _TYPED_KEEP.get(typed)
    if choice is None:
        await use_the_buttons(update, context)
        return None
    return await keep_choice(update, context, choice)


async def keep_choice(update: Update, context: Context, typed: str | None = None) -> str | int:
    query = update.callback_query
    chat = update.effective_chat
    choice = query.data if query is not None else typed
    if choice is None or chat is None:
        return KEEP
    await answer_callback(update, texts.SENDING)
    from bot.reports.domain import PicturesRefused, ReportError

    if not isinstance((context.chat_data or {}).get(DRAFT), dict):
        # This report was sent: the bot stopped after storing it, before the conversation's end was kept.
        await say(update, context, texts.ALREADY_SENT)
        return END
    core = core_of(context)
    draft = _draft(context)
    reply_to = _here(chat.id) if choice == KEEP_HERE else None
    fetched, left_out = await _fetch(context, draft["files"])
    if left_out and fetched:  # the others are checked now too, so every picture left out is named at once
        refused = await in_thread(core.reports.refused_pictures, [attachment for _, attachment in fetched])
        left_out |= {fetched[place - 1][0] for place in refused}
    receipt = None
    if not left_out:
        try:
            receipt = await in_thread(
                core.reports.submit,
                draft["category"],
                _report_text(draft["parts"]),
                channel="telegram",
                attachments=[attachment for _, attachment in fetched],
                reply_to=reply_to,
                named_people=[name for names in (draft.get(KEPT_FROM) or {}).values() for name in names],
            )
        except PicturesRefused as exc:
            left_out = {fetched[place - 1][0] for place in exc.numbers}
        except ReportError as exc:
            draft.pop(KEEPING, None)
            await say(update, context, str(exc), REVIEW_BUTTONS)
            return REVIEW
    if receipt is None:
        # Each picture that cannot be fetched or kept is left out of the draft, and the parent is told which, so
        # "Send it" then works: one bad picture must not hold back, or cost, the whole report.
        files = list(enumerate(draft["files"], start=1))
        sent_as = sorted(int(entry.get("n", number)) for number, entry in files if number in left_out)
        draft["files"] = [entry for number, entry in files if number not in left_out]
        draft.pop(KEEPING, None)
        await say(update, context, texts.pictures_left_out(sent_as, len(draft["files"])), REVIEW_BUTTONS)
        return REVIEW
    _clear(context)
    await give_receipt(update, context, receipt.sender_text())
    await _keep_ended(context, chat.id)
    return END


async def _keep_ended(context: Context, chat_id: int) -> None:
    """Write now, not at the next persistence run, that this chat's report was sent (its draft gone, its conversation
    over): a bot stopped in between would otherwise offer the sent report's buttons again, and store it twice. After
    the receipt, not before: a receipt lost to a stop is worse than a report stored twice."""
    persistence = context.application.persistence
    if persistence is None:
        return
    try:
        await persistence.update_chat_data(chat_id, dict(context.chat_data or {}))
        await persistence.update_conversation(CONVERSATION, (chat_id,), None)
    except Exception:  # the periodic run writes it soon anyway; the receipt must not wait on this
        log.exception("could not record at once that a report was sent")


# The receipt is the sender's only key to a report that has been stored: if Telegram will not take it, it is tried
# again, then held in memory (never stored: it would tie this chat to the report) and given with the chat's next
# message, for up to RECEIPT_HELD_FOR seconds.
RECEIPT_RETRIES = (1.0, 3.0)
RECEIPT_HELD_FOR = 3600.0
HELD_RECEIPTS = "held_receipts"


async def give_receipt(update: Update, context: Context, text: str) -> None:
    for delay in (0.0, *RECEIPT_RETRIES):
        await asyncio.sleep(delay)
        try:
            await say(update, context, text)
            return
        except TelegramError as exc:
            log.warning("could not send a receipt (%s); trying again", type(exc).__name__)
    chat = update.effective_chat
    if chat is not None:
        held: dict[int, tuple[str, float]] = context.application.bot_data.setdefault(HELD_RECEIPTS, {})
        held[chat.id] = (text, time.monotonic() + RECEIPT_HELD_FOR)
        log.warning("a receipt is held until the sender's next message")


async def give_held_receipt(update: Update, context: Context) -> None:
    """Before anything else in a chat: the receipt Telegram would not take at the time, if one is held."""
    chat = update.effective_chat
    held: dict[int, tuple[str, float]] | None = context.application.bot_data.get(HELD_RECEIPTS)
    if not held or chat is None or chat.id not in held:
        return
    text, until = held.pop(chat.id)
    if time.monotonic() <= until:
        await say(update, context, texts.RECEIPT_HELD + "\n\n" + text)


async def _fetch(context: Context, files: list[dict[str, str]]) -> tuple[list[tuple[int, Attachment]], set[int]]:
    """The draft's pictures, each with its number (from 1, in the order sent), and the numbers of those that could
    not be fetched from Telegram."""
    from bot.reports.domain import Attachment

    fetched, left_out = [], set()
    for number, entry in enumerate(files, start=1):
        try:
            telegram_file = await context.bot.get_file(entry["file_id"])
            data = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not fetch a report picture from Telegram: %s", type(exc).__name__)
            left_out.add(number)
            continue
        extension = "jpg" if entry["type"] == "image/jpeg" else entry["type"].rpartition("/")[2][:5] or "img"
        # A neutral name: a phone's file name can identify its owner.
        fetched.append((number, Attachment(f"picture-{number}.{extension}", entry["type"], data)))
    return fetched, left_out


async def cancel(update: Update, context: Context) -> int:
    await answer_callback(update)
    added_notes(context).forget(update)
    data = context.chat_data or {}  # (a message held after news stays: this stops only the flow under way)
    draft, chat = data.get(DRAFT), update.effective_chat
    undo: Keyboard | None = None
    if isinstance(draft, dict):
        stopped = texts.CANCELLED
        if chat is not None and (draft.get("parts") or draft.get("files")):  # words or pictures: they can come back
            _stopped_drafts(context)[chat.id] = (draft, time.monotonic() + UNDO_FOR)
            undo = [[("Undo: bring my report back", UNDO)]]
    elif data.get(REPLY_CODE):
        stopped = texts.ANSWER_CANCELLED
    else:
        stopped = texts.CHECK_CANCELLED
    _clear(context)
    await say(update, context, stopped, undo)
    return END


# A report stopped by mistake (Cancel pressed for Done, "stop" typed) can be brought back for UNDO_FOR seconds. Held in
# memory only, never stored: a stopped report leaves nothing behind once that time is up, or the bot restarts.
UNDO = "r:undo"
UNDO_FOR = 600.0
STOPPED_DRAFTS = "stopped_drafts"


def _stopped_drafts(context: Context) -> dict[int, tuple[dict[str, Any], float]]:
    stopped: dict[int, tuple[dict[str, Any], float]] = context.application.bot_data.setdefault(STOPPED_DRAFTS, {})
    now = time.monotonic()
    for chat_id in [chat_id for chat_id, (_, until) in stopped.items() if until < now]:
        del stopped[chat_id]
    return stopped


async def undo_cancel(update: Update, context: Context) -> str | int | None:
    """"Undo: bring my report back": the stopped report as it was, to carry on writing (nothing was sent)."""
    await answer_callback(update)
    if report_underway(context):  # a new report begun since: never thrown away for the old one
        await in_progress(update, context)
        return None
    chat = update.effective_chat
    found = _stopped_drafts(context).pop(chat.id, None) if chat is not None else None
    if found is None or context.chat_data is None:
        await say(update, context, texts.UNDO_TOO_LATE)
        return END
    draft = found[0]
    for key in (KEEPING, REVIEWED):  # back to writing: Done shows the review again
        draft.pop(key, None)
    context.chat_data[DRAFT] = draft
    await say(update, context, texts.UNDONE, DESCRIBE_BUTTONS)
    return DESCRIBE


async def in_progress(update: Update, context: Context) -> None:
    """Another command in the middle of a report: keep the draft, say how to finish or stop (once it is written,
    the buttons above are the keep choice, not Done)."""
    await say(update, context, texts.REPORT_KEEP_NOTE if report_waits_for_keep_choice(context) else
              texts.REPORT_IN_PROGRESS)


# --- checking a report ---
async def start_status(update: Update, context: Context) -> str | int | None:
    await answer_callback(update)
    if report_underway(context):
        await in_progress(update, context)
        return None
    code = ""
    query = update.callback_query
    if query is not None and (query.data or "").startswith(STATUS):
        code = (query.data or "").removeprefix(STATUS)
    elif context.args:
        code = " ".join(context.args)
    if not code:
        await say(update, context, texts.ASK_CODE)
        return STATUS_CODE
    return await _show_status(update, context, code, retry=False)


async def status_code(update: Update, context: Context) -> str | int:
    message = update.message
    return await _show_status(update, context, message.text or "" if message else "", retry=True)


async def _show_status(update: Update, context: Context, typed: str, *, retry: bool) -> str | int:
    """The report `typed` names. If the words with the code tell the school something, the parent is asked whether
    they are their answer, rather than the words being dropped unseen."""
    from bot.reports.domain import ReportError, TooManyAttempts
    from bot.reports.receipts import code_first, tells_something

    core = core_of(context)
    chat = update.effective_chat
    assert chat is not None
    # The code as typed or read out, with any words after it; or the receipt line pasted whole ("Your receipt code
    # is: ...").
    code, words = code_first(typed)
    if code is None and retry and len(typed.split()) >= 3:
        # A sentence, not a mistyped code: the parent has moved on, so answer it rather than keep asking.
        await say(update, context, texts.NO_CODE_THEN)
        await chat_flows.question(update, context)
        return END
    try:  # what cannot be a code is the core's to say (and not counted as a wrong one)
        view = await in_thread(
            core.reports.sender_status, code or typed, requester=requester(core, chat.id), asked_from=_here(chat.id)
        )
    except TooManyAttempts as exc:
        await say(update, context, str(exc))
        return END
    except ReportError as exc:  # the bot now waits for the code, so it always says to send it again (or stop)
        await say(update, context, str(exc) + "\n\nSend the code again, or /cancel.")
        return STATUS_CODE
    await _send_view(update, context, view)
    asked = any(not question.answered for question in view.questions)
    if view.can_reply and tells_something(words, asked=asked):
        await _hold_and_ask(update, context, view.code, words)
    return END


async def leave_for_question(update: Update, context: Context) -> int:
    """"Ask about the policy" while a category, a receipt code or an answer to the school is awaited: stop waiting,
    so the question typed next is answered, not taken as a code or sent to the school as the answer. (While a
    report is being written, the menu instead warns that what is typed is added to it: see chat.menu.)"""
    _clear(context)
    if update.effective_chat is not None:
        awaiting_answers(context).done(update.effective_chat.id)
    await chat_flows.menu(update, context)
    return END


async def leave_status(update: Update, context: Context) -> int:
    """/start or /help while a receipt code or a reply is awaited: stop waiting for it, and do what was asked."""
    if context.chat_data is not None:
        context.chat_data.pop(REPLY_CODE, None)
    command = (update.message.text or "") if update.message else ""
    await (chat_flows.help_command if command.startswith("/help") else chat_flows.start)(update, context)
    return END


def _here(chat_id: int) -> ReplyAddress:
    """This chat as a report's reply channel: the one kept for "keep me updated here", and the asker compared with
    it (whether the school's news comes here)."""
    from bot.reports.domain import ReplyAddress

    return ReplyAddress("telegram", str(chat_id))


async def _send_view(update: Update, context: Context, view: SenderView) -> None:
    buttons = [[("Reply to the school", REPLY + view.code)]] if view.can_reply else []
    if view.keeps_reply_channel:
        buttons.append([("Stop news in this chat", FORGET + view.code)])
    await say(update, context, view.text(), buttons)


async def forget_channel(update: Update, context: Context) -> None:
    """The sender no longer wants news here: the school forgets the reply channel; the report stays."""
    from bot.reports.domain import ReportError

    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    await answer_callback(update)
    core = core_of(context)
    code = (query.data or "").removeprefix(FORGET)
    try:
        forgotten = await in_thread(
            core.reports.forget_reply_channel,
            code,
            requester=requester(core, chat.id),
            asked_from=_here(chat.id),
        )
    except ReportError as exc:
        await say(update, context, str(exc))
        return
    held = (context.chat_data or {}).get(HELD)
    was_held = isinstance(held, dict) and code in held
    awaiting_answers(context).let_go(chat.id, code)  # no news comes here now, and no receipt is kept for it
    said = (texts.FORGOTTEN if forgotten else texts.NOTHING_TO_FORGET).format(code=code)
    if was_held:  # what they typed after its news, held for a "yes" or "no", goes too: said, not lost unseen
        said += "\n\n" + texts.HELD_NOT_SENT.format(code=code)
    await say(update, context, said)


async def start_reply(update: Update, context: Context) -> str | int | None:
    await answer_callback(update)
    if report_underway(context):
        await in_progress(update, context)
        return None
    from bot.reports.domain import ReportError

    query = update.callback_query
    chat = update.effective_chat
    code = (query.data or "").removeprefix(REPLY) if query else ""
    core = core_of(context)
    try:  # a button from before the report was closed: say so now, not after the answer is written
        view = await in_thread(core.reports.sender_status, code, requester=requester(core, chat.id if chat else 0))
    except ReportError as exc:
        await say(update, context, str(exc))
        return END
    if not view.can_reply:
        await _send_view(update, context, view)
        return END
    if context.chat_data is not None:
        context.chat_data[REPLY_CODE] = view.code
    await say(update, context, texts.WRITE_REPLY)
    return STATUS_REPLY


async def send_reply(update: Update, context: Context) -> str | int:
    message = update.message
    chat = update.effective_chat
    code = context.chat_data.get(REPLY_CODE) if context.chat_data else None
    if message is None or not message.text or chat is None:
        await say(update, context, texts.WRITE_REPLY)
        return STATUS_REPLY
    if not code:
        await say(update, context, texts.ASK_CODE)
        return STATUS_CODE
    typed = normalised(message.text)
    if typed in CANCEL_WORDS:  # "stop", as while writing a report: not "stop" sent to the school as the answer
        return await cancel(update, context)
    if asks_for_help(typed):  # the help, then still the answer awaited
        await chat_flows.help_command(update, context)
        await say(update, context, texts.WRITE_REPLY)
        return STATUS_REPLY
    return await _reply_to_school(update, context, code, message.text)


async def _reply_to_school(
    update: Update, context: Context, code: str, text: str, attachments: list[Attachment] | None = None
) -> str | int:
    """The sender's answer (and pictures) into the report; then the report as it now stands."""
    from bot.reports.domain import PicturesRefused, ReportError

    chat = update.effective_chat
    assert chat is not None
    core = core_of(context)
    try:
        view = await in_thread(
            core.reports.sender_reply, code, text, requester=requester(core, chat.id), attachments=attachments or (),
            asked_from=_here(chat.id),
        )
    except PicturesRefused:
        await say(update, context, texts.REPLY_PICTURE_NOT_KEPT)
        return STATUS_REPLY
    except ReportError as exc:  # closed meanwhile, say: what is typed next is not asked about it again
        _clear(context)
        awaiting_answers(context).done(chat.id, code)
        await say(update, context, str(exc))
        return END
    _clear(context)
    awaiting_answers(context).done(chat.id, code)
    await say(update, context, texts.REPLY_SENT)
    await _send_view(update, context, view)
    return END


# --- a message typed outside any flow ---
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


async def typed(update: Update, context: Context) -> None:
    """Text with no report or check under way. A receipt code in it shows that report ("what's happening with
    ACDE-...?"). Soon after the school's question about a report reached this chat it may be the answer, so the
    parent is asked which it is (the message is held meanwhile). Anything else is a policy question."""
    from bot.reports.receipts import REFERENCE_IS_NO_RECEIPT, find_code, mentions_reference
    from bot.typed import asks_after_a_report, asks_to_be_forgotten

    message, chat = update.message, update.effective_chat
    text = message.text or "" if message is not None else ""
    if chat is None or not text:
        return
    if find_code(text):
        await _show_status(update, context, text, retry=False)
        return
    if mentions_reference(text):  # a DSL's case reference: about a report, not a policy question
        await say(update, context, REFERENCE_IS_NO_RECEIPT)
        return
    if normalised(text) in CANCEL_WORDS:  # "stop": a held message is let go; otherwise there is nothing under way
        await cancel_outside_a_flow(update, context)
        return
    if asks_for_help(text):
        await chat_flows.help_command(update, context)
        return
    if asks_to_be_forgotten(text):  # "please delete everything about me": what is kept, and how to stop news
        await say(update, context, texts.FORGET_ME)
        return
    if asks_after_a_report(text):  # "any news?": the report the school's news here was about, or how to check one
        fresh = awaiting_answers(context).code_for(chat.id)
        # days after the school's question, the report still waits for its answer: the same report
        known = fresh or awaiting_answers(context).late_code_for(chat.id)
        if known is None:
            await say(update, context, texts.HOW_TO_CHECK)
            return
        await _show_status(update, context, known, retry=False)
        # "It's 4B. Did you get my report?" after the school asked which class: the rest may be the answer (days
        # later, if the policy cannot answer it, as for any message then)
        besides = " ".join(part for part in _SENTENCES.split(text.strip()) if not asks_after_a_report(part)).strip()
        if besides and (fresh or await _may_be_a_late_answer(context, besides)):
            await _hold_and_ask(update, context, known, besides)
        return
    code = awaiting_answers(context).code_for(chat.id)
    if code is None and message is not None and message.forward_origin is not None:
        # someone else's words, not a question: answered from the policy, they were "not covered", and kept as such
        # (just after the school's question, it may be what the school asked for: the parent is asked, below)
        await say(update, context, texts.FORWARDED, [[("Report a concern", MENU_REPORT)]])
        return
    if code is None and message is not None and message.forward_origin is None and context.chat_data is not None:
        late = awaiting_answers(context).late_code_for(chat.id)
        if late is not None and await _may_be_a_late_answer(context, text):
            code = late  # the school's question, days ago: "she is fine now, class 5R" is its answer, not a question
    if code is None or context.chat_data is None:
        await chat_flows.question(update, context)
        return
    await _hold_and_ask(update, context, code, text)


async def _may_be_a_late_answer(context: Context, text: str) -> bool:
    """The core's rule for a message typed days after the school's question (bot.typed.may_be_a_late_answer)."""
    from bot.typed import may_be_a_late_answer

    core = core_of(context)  # its answerer is taken in the thread: the first use builds it
    return await in_thread(lambda: may_be_a_late_answer(core.qa, text))


async def _hold_and_ask(update: Update, context: Context, code: str, text: str) -> None:
    """Keep `text` until the parent says whether it is their answer to the school about report `code`."""
    if context.chat_data is None:
        return
    held: dict[str, str] = context.chat_data.setdefault(HELD, {})
    held[code] = f"{held[code]}\n{text}" if code in held else text  # a second message before a button: one answer
    await say(update, context, texts.IS_IT_THE_ANSWER.format(code=code),
              [[("Yes, send it to the school", IS_ANSWER + code)], [("No, it is a question", IS_QUESTION + code)]])


async def cancel_outside_a_flow(update: Update, context: Context) -> None:
    """/cancel (or "stop") with no report or check under way: messages held after news are let go."""
    chat = update.effective_chat
    if context.chat_data is not None and context.chat_data.pop(HELD, None):
        if chat is not None:
            awaiting_answers(context).done(chat.id)
        await say(update, context, texts.ANSWER_CANCELLED)
    else:
        await chat_flows.nothing_to_cancel(update, context)


def _take_held(update: Update, context: Context, prefix: str) -> tuple[str, str] | None:
    """The receipt code a held-message button is about, and the message held for it (taken out)."""
    query = update.callback_query
    code = (query.data or "").removeprefix(prefix) if query else ""
    held = (context.chat_data or {}).get(HELD)
    if not isinstance(held, dict) or code not in held:
        return None
    text = str(held.pop(code))
    if not held and context.chat_data is not None:
        context.chat_data.pop(HELD, None)
    return code, text


# The two buttons work in or out of a flow (as the conversation's fallbacks too): a report being written stays as it
# is; a wait for a receipt code or an answer ends, as the parent has moved on to this.
async def held_is_the_answer(update: Update, context: Context) -> int | None:
    await answer_callback(update)
    if report_underway(context):  # an old button pressed while a report is being written: keep both
        await in_progress(update, context)
        return None
    held, chat = _take_held(update, context, IS_ANSWER), update.effective_chat
    if held is None or chat is None:
        await _nothing_held(update, context, IS_ANSWER)
        return END
    await _reply_to_school(update, context, *held)
    return END


async def held_is_a_question(update: Update, context: Context) -> int | None:
    await answer_callback(update)
    if report_underway(context):
        await in_progress(update, context)
        return None
    held, chat = _take_held(update, context, IS_QUESTION), update.effective_chat
    if chat is not None and held is not None:
        awaiting_answers(context).done(chat.id, held[0])
    if held is None:
        await _nothing_held(update, context, IS_QUESTION)
        return END
    if context.chat_data is not None:
        context.chat_data.pop(REPLY_CODE, None)
    await chat_flows.answer_question(update, context, held[1])
    return END


async def _nothing_held(update: Update, context: Context, prefix: str) -> None:
    """A held-message button pressed when nothing is held for its report: already answered, let go by /cancel or
    after days of silence, or let go when the report was closed or its news stopped here. Said as it is, with the
    way to send it again, rather than a bare "no longer active" that leaves the parent thinking it was sent."""
    from bot.reports.domain import ReportError

    query, chat = update.callback_query, update.effective_chat
    code = (query.data or "").removeprefix(prefix) if query else ""
    if chat is None or not code:
        await say(update, context, texts.STALE_BUTTON)
        return
    core = core_of(context)
    try:  # whether it is closed is the core's to say
        view = await in_thread(
            core.reports.sender_status, code, requester=requester(core, chat.id), asked_from=_here(chat.id)
        )
    except ReportError as exc:
        await say(update, context, str(exc))
        return
    closed = view.status == "closed"
    if prefix == IS_QUESTION:
        await say(update, context, (texts.HELD_GONE_CLOSED_QUESTION if closed else texts.HELD_GONE_QUESTION)
                  .format(code=view.code))
        return
    await say(update, context, (texts.HELD_GONE_CLOSED if closed else texts.HELD_GONE).format(code=view.code),
              [[("Reply to the school", REPLY + view.code)]])


async def answer_by_reply(update: Update, context: Context) -> None:
    """A reply (swipe or "Reply") to the bot's news about a report, which names its receipt, is an answer to the
    school: it goes into the report, as "Reply to the school" would. Any other reply is a question."""
    from bot.reports.domain import ReportError

    message, chat = update.message, update.effective_chat
    code = _news_replied_to(message)
    if message is None or not message.text or chat is None or code is None:
        await chat_flows.question(update, context)
        return
    core = core_of(context)
    try:
        view = await in_thread(
            core.reports.sender_reply, code, message.text, requester=requester(core, chat.id), asked_from=_here(chat.id)
        )
    except ReportError as exc:
        await say(update, context, str(exc))
        return
    await say(update, context, texts.REPLY_SENT)
    await _send_view(update, context, view)


async def picture_outside_a_flow(update: Update, context: Context) -> None:
    """A picture sent with no report or answer under way. Just after the school's question (or as a swipe reply to
    its news) it is most likely the screenshot the school asked for: point to "Reply to the school" for that report,
    rather than to /report, which would make a second report of it."""

    message, chat = update.message, update.effective_chat
    album = _album(update)
    answered = _albums(context).get(album) if album is not None else None
    if answered is not None:
        if answered:  # the rest of an album whose first picture answered the school: the same answer
            await _add_to_album_answer(update, context, answered)
        return  # (or of an album already pointed to "Reply to the school": said once, not once a picture)
    code = _news_replied_to(message)
    if code is None and chat is not None:
        code = awaiting_answers(context).code_for(chat.id)
    if message is None or code is None or _picture(message) is None:
        if message is not None and message.forward_origin is not None:
            # someone else's picture and words (a screenshot of a post, its caption): not a question, as for text
            await say(update, context, texts.FORWARDED, [[("Report a concern", MENU_REPORT)]])
            return
        if message is not None and message.caption and message.caption.strip():
            # "is it ok to post this one?" under a photo: the words are the question (the picture is not looked at)
            await say(update, context, texts.CAPTION_ANSWERED)
            await chat_flows.answer_question(update, context, message.caption)
            return
        await chat_flows.not_text(update, context)
        return
    if album is not None:
        _albums(context)[album] = ""
    buttons = [[("Reply to the school", REPLY + code)]]
    await say(update, context, texts.PICTURE_FOR_THE_SCHOOL.format(code=code), buttons)


# An album reaches the bot as one message per picture. Once its first picture has answered the school (or been
# pointed to "Reply to the school"), the others follow it there, rather than each being met as a picture out of the
# blue. Chat and album id -> the receipt code answered ("" for pointed), in memory only, the newest MAX_ALBUMS.
ALBUMS = "album_answers"
MAX_ALBUMS = 1000


def _album(update: Update) -> tuple[int, str] | None:
    message, chat = update.message, update.effective_chat
    if message is None or chat is None or not message.media_group_id:
        return None
    return chat.id, message.media_group_id


def _albums(context: Context) -> dict[tuple[int, str], str]:
    albums: dict[tuple[int, str], str] = context.application.bot_data.setdefault(ALBUMS, {})
    while len(albums) > MAX_ALBUMS:
        del albums[next(iter(albums))]
    return albums


async def _add_to_album_answer(update: Update, context: Context, code: str) -> None:
    """Another picture of an album sent as the answer to the school: into the report too, quietly (the parent was
    thanked for the answer already); a picture that cannot be kept is said, with the way to send it again."""
    from bot.reports.domain import PicturesRefused, ReportError

    message, chat = update.message, update.effective_chat
    found = _picture(message) if message is not None else None
    if message is None or chat is None or found is None:
        return
    core = core_of(context)
    fetched, _ = await _fetch(context, [{"file_id": found[0], "type": found[1]}])
    try:
        if fetched:
            await in_thread(
                core.reports.sender_reply, code, message.caption or "", requester=requester(core, chat.id),
                attachments=[fetched[0][1]], asked_from=_here(chat.id),
            )
            return
    except PicturesRefused:
        pass
    except ReportError as exc:  # closed meanwhile, say: said once for the album
        _albums(context)[(chat.id, message.media_group_id or "")] = ""
        await say(update, context, str(exc))
        return
    await say(update, context, texts.ALBUM_PICTURE_NOT_KEPT, [[("Reply to the school", REPLY + code)]])


async def send_reply_picture(update: Update, context: Context) -> str | int:
    """A picture (with or without a caption) as the answer to the school: the report takes pictures in replies."""
    message, chat = update.message, update.effective_chat
    code = context.chat_data.get(REPLY_CODE) if context.chat_data else None
    found = _picture(message) if message is not None else None
    if message is None or chat is None or not code or found is None:
        await say(update, context, texts.WRITE_REPLY)
        return STATUS_REPLY
    fetched, left_out = await _fetch(context, [{"file_id": found[0], "type": found[1]}])
    if left_out:
        await say(update, context, texts.REPLY_PICTURE_NOT_KEPT)
        return STATUS_REPLY
    state = await _reply_to_school(update, context, code, message.caption or "", [a for _, a in fetched])
    album = _album(update)
    if album is not None and state == END:  # the album's other pictures go to the same answer
        _albums(context)[album] = code
    return state


async def reply_not_text(update: Update, context: Context) -> None:
    await say(update, context, texts.WRITE_REPLY)


def conversation() -> ConversationHandler[Any]:
    # (a reply to a case step's message is that step's, whatever was begun here: see dsl.reply_to_step)
    private_message = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & ~REPLIES_TO_STEP
    text = private_message & filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # Buttons and messages share one conversation per chat, which is what we want; PTB warns anyway.
        warnings.filterwarnings("ignore", message=".*per_message=False", category=PTBUserWarning)
        return _conversation(private_message, text)


def _conversation(private_message: filters.BaseFilter, text: filters.BaseFilter) -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CommandHandler("report", start_report, filters=private_message),
            MessageHandler(private_message & filters.Regex(TYPED_REPORT), start_report),
            MessageHandler(private_message & filters.Regex(TYPED_STATUS), start_status),
            CallbackQueryHandler(start_report, pattern=f"^{MENU_REPORT}$"),
            CommandHandler("status", start_status, filters=private_message),
            CallbackQueryHandler(start_status, pattern=f"^({MENU_STATUS}$|{STATUS})"),
            CallbackQueryHandler(start_reply, pattern=f"^{REPLY}"),
            CallbackQueryHandler(undo_cancel, pattern=f"^{UNDO}$"),
        ],
        states={
            CATEGORY: [
                CallbackQueryHandler(choose_category, pattern=f"^{CHOOSE}"),
                CallbackQueryHandler(leave_for_question, pattern=f"^{MENU_ASK}$"),
                MessageHandler(private_message & ~filters.COMMAND, use_the_buttons),
            ],
            DESCRIBE: [
                MessageHandler(text, add_text),
                CallbackQueryHandler(change_category, pattern=f"^{CHOOSE}"),
                MessageHandler(private_message & (filters.PHOTO | filters.Document.ALL), add_file),
                CallbackQueryHandler(done, pattern=f"^{DONE}$"),
                CommandHandler("done", done, filters=private_message),
                MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited_while_describing),
                MessageHandler(private_message & ~filters.COMMAND, not_for_report),
            ],
            ABOUT: [
                CallbackQueryHandler(about_choice, pattern=f"^{ABOUT_ROLE}"),
                MessageHandler(private_message & ~filters.COMMAND, use_the_buttons),
            ],
            REVIEW: [
                CallbackQueryHandler(confirm, pattern=f"^{SEND}$"),
                CallbackQueryHandler(add_more, pattern=f"^{ADD_MORE}$"),
                CallbackQueryHandler(done, pattern=f"^{DONE}$"),
                CallbackQueryHandler(change_category_on_review, pattern=f"^{CHOOSE}"),
                MessageHandler(text | (private_message & (filters.PHOTO | filters.Document.ALL)), add_after_review),
                MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited_on_review),
                MessageHandler(private_message & ~filters.COMMAND, not_for_report_on_review),
            ],
            KEEP: [
                CallbackQueryHandler(keep_choice, pattern=f"^({KEEP_HERE}|{KEEP_NOTHING})$"),
                CallbackQueryHandler(add_more, pattern=f"^{ADD_MORE}$"),
                CallbackQueryHandler(change_category_on_review, pattern=f"^{CHOOSE}"),
                MessageHandler(text, keep_typed),
                MessageHandler(private_message & ~filters.COMMAND, use_the_buttons),
            ],
            STATUS_CODE: [
                MessageHandler(text, status_code),
                CallbackQueryHandler(leave_for_question, pattern=f"^{MENU_ASK}$"),
                CommandHandler(["start", "help"], leave_status, filters=private_message),
            ],
            STATUS_REPLY: [
                MessageHandler(text, send_reply),
                MessageHandler(private_message & (filters.PHOTO | filters.Document.ALL), send_reply_picture),
                CallbackQueryHandler(leave_for_question, pattern=f"^{MENU_ASK}$"),
                CommandHandler(["start", "help"], leave_status, filters=private_message),
                MessageHandler(private_message & ~filters.COMMAND, reply_not_text),
            ],
        },
        fallbacks=[
            CommandHandler(["cancel", "stop"], cancel),  # /stop: what many bots take, and what "stop" typed does
            CallbackQueryHandler(cancel, pattern=f"^{CANCEL}$"),
            CallbackQueryHandler(held_is_the_answer, pattern=f"^{IS_ANSWER}"),
            CallbackQueryHandler(held_is_a_question, pattern=f"^{IS_QUESTION}"),
        ],
        name=CONVERSATION,
        persistent=True,
        per_chat=True,
        per_user=False,  # private chats only: the chat is the person, and one id is less to keep
        allow_reentry=True,
    )
