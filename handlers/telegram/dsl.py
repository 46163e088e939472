"""Those who handle reports, on Telegram: acknowledge a case from its alert, and, where the school lets alerts carry
the report's text, read the whole case and act on it there (a chair of governors on Telegram alone, say). Who they
are comes from the people table (their Telegram chat id), never from anything in the button; what each step says
and does is the core's (bot.reports.in_words): a step that takes words asks for them as a reply to its message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import ForceReply, Message, Update
from telegram.constants import ParseMode
from telegram.ext import filters

from handlers.telegram import texts
from handlers.telegram.common import NO_PREVIEW, Context, Keyboard, answer_callback, core_of, in_thread, say
from handlers.telegram.formatting import render_text
from handlers.telegram.notifier import ACK, CASE_STEPS

if TYPE_CHECKING:
    from bot.core import Core
    from bot.reports.domain import Actor

NOT_STAFF = "Only the school's safeguarding team can open or act on a report."
_STEP_OF = {prefix: action for action, prefix in CASE_STEPS.items()}
STEP_PATTERN = "^(" + "|".join(_STEP_OF) + ")"


def _acknowledge(core: Core, chat_id: int, code: str) -> str:
    from bot.reports.domain import ACKNOWLEDGE, ReportError

    actor = core.reports.actor(telegram_chat_id=chat_id)
    if actor is None:
        core.reports.record_refused_attempt(code, "an unrecognised Telegram account", ACKNOWLEDGE)
        return "Only the school's safeguarding team can acknowledge a report."
    try:
        view = core.reports.acknowledge(code, actor)
    except ReportError as exc:
        return str(exc)
    return f"{view.acknowledged_text(actor)} {core.reports.where_to_act(chat_id, view.code)}"


async def acknowledge(update: Update, context: Context) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    code = (query.data or "").removeprefix(ACK)
    if not code:
        await answer_callback(update, texts.STALE_BUTTON)
        return
    await answer_callback(update)
    reply = await in_thread(_acknowledge, core_of(context), chat.id, code)
    await say(update, context, reply, _buttons(core_of(context), code))


def _buttons(core: Core, code: str, steps: list[tuple[str, str]] | None = None) -> Keyboard | None:
    """The case's next steps as buttons (`steps`, else only "Open the report"), where they may be taken here."""
    from bot.reports.in_words import OPEN_BUTTON

    if not core.reports.acts_in_chat:
        return None
    chosen = steps if steps is not None else [OPEN_BUTTON]
    return [[(label, CASE_STEPS[step] + code)] for step, label in chosen]


def _handler(core: Core, chat_id: int, step: str, code: str) -> Actor | None:
    """Who in this chat takes `step` on the case; None, with the attempt recorded, if the chat is no handler's."""
    from bot.reports.in_words import action_of

    actor = core.reports.actor(telegram_chat_id=chat_id)
    if actor is None:
        core.reports.record_refused_attempt(code, core.reports.refused_name(telegram_chat_id=chat_id),
                                            action_of(step))
    return actor


def _step(core: Core, chat_id: int, step: str, code: str) -> tuple[str, Keyboard | None, str | None]:
    """(what to say, its buttons, the reply box's placeholder when it asks for words) for a step's button."""
    from bot.reports import in_words
    from bot.reports.domain import ReportError

    actor = _handler(core, chat_id, step, code)
    if actor is None:
        return NOT_STAFF, None, None
    if not core.reports.acts_in_chat:  # an old card's button, from before the school kept report text out of chats
        return core.reports.where_to_act(chat_id, code), None, None
    try:
        if step == in_words.VIEW:
            view = core.reports.case(code, actor)
            return "\n".join(in_words.case_lines(view, core.school.tz, on_server=False)), \
                _buttons(core, view.code, in_words.steps(view.status)), None
        if step == in_words.CLOSE:
            core.reports.check_access(code, actor, in_words.action_of(step))
            return in_words.CLOSE_CHOICE.format(code=code), _buttons(core, code, list(in_words.CLOSE_CHOICES)), None
        if step == in_words.ASK:
            reachable = core.reports.sender_reachable(code, actor)
        else:
            core.reports.check_access(code, actor, in_words.action_of(step))
            reachable = True
    except ReportError as exc:
        return str(exc), None, None
    text, placeholder = in_words.prompt(step, code, sender_reachable=reachable)
    return text, None, placeholder


async def case_step(update: Update, context: Context) -> None:
    """A case's button other than Acknowledge: the case to read, or the step asked for (see _step)."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    prefix, _, code = (query.data or "").rpartition(":")
    step = _STEP_OF.get(prefix + ":")
    if step is None or not code:
        await answer_callback(update, texts.STALE_BUTTON)
        return
    await answer_callback(update)
    text, buttons, placeholder = await in_thread(_step, core_of(context), chat.id, step, code)
    if placeholder is None:
        await say(update, context, text, buttons)
        return
    for html in render_text(text):  # (one short message: the reply box opens for it)
        await context.bot.send_message(chat.id, html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                                       reply_markup=ForceReply(input_field_placeholder=placeholder[:64]))


def _act(core: Core, chat_id: int, step: str, code: str, words: str) -> tuple[str, Keyboard | None]:
    """(what to say, its buttons) once a step's words are replied: the step done, or why not."""
    from bot.reports import in_words
    from bot.reports.domain import ReportError

    actor = _handler(core, chat_id, step, code)
    if actor is None:
        return NOT_STAFF, _buttons(core, code)
    try:
        return in_words.act(core.reports, step, code, actor, words), _buttons(core, code)
    except in_words.NotRecorded as exc:  # the case changed meanwhile: the words can still go in as a note
        return str(exc), _note_or_open(core, code)
    except ReportError as exc:
        return str(exc), _buttons(core, code)


def _bot_message_replied_to(message: Message | None) -> Message | None:
    """The bot's own message that `message` replies to, if it replies to one."""
    quoted = message.reply_to_message if message is not None else None
    return quoted if quoted is not None and quoted.from_user is not None and quoted.from_user.is_bot else None


def _step_replied_to(message: Message | None) -> tuple[str, str] | None:
    """(step, case reference) of the bot's step message that `message` replies to, if it replies to one."""
    from bot.reports.in_words import replied_to

    quoted = _bot_message_replied_to(message)
    return replied_to(quoted.text or "") if quoted is not None else None


class _RepliesToStep(filters.MessageFilter):
    """A reply to a step's message: the step's words wherever the chat is (a check or a report begun and left)."""

    def filter(self, message: Message) -> bool:
        return _step_replied_to(message) is not None


REPLIES_TO_STEP = _RepliesToStep()


async def _not_a_step(update: Update, context: Context) -> bool:
    """A reply by someone who handles reports to one of the bot's messages about a case that asks for no words (its
    card, the case read here): their note, say, is not added, and is no policy question to answer (nor keep). Says
    how to add it; False if it is no such reply."""
    from bot.reports.in_words import NOT_A_STEP, NOT_ADDED
    from bot.reports.receipts import find_code, find_reference

    chat, quoted = update.effective_chat, _bot_message_replied_to(update.message)
    if chat is None or quoted is None:
        return False
    said = quoted.text or quoted.caption or ""
    code = find_reference(said) if find_code(said) is None else None  # (a receipt's: news for a sender, answered)
    core = core_of(context)
    if code is None or await in_thread(core.reports.actor, telegram_chat_id=chat.id) is None:
        return False
    if not core.reports.acts_in_chat:  # a card with Acknowledge alone: where the rest is done
        where = await in_thread(core.reports.where_to_act, chat.id, code)
        await say(update, context, f"{NOT_ADDED.format(code=code)} {where}")
        return True
    await say(update, context, NOT_A_STEP.format(code=code), _note_or_open(core, code))
    return True


def _note_or_open(core: Core, code: str) -> Keyboard | None:
    """Buttons for words that went nowhere: adding them as a note, or opening the case."""
    from bot.reports.in_words import NOTE_BUTTON, OPEN_BUTTON

    return _buttons(core, code, [NOTE_BUTTON, OPEN_BUTTON])


async def reply_to_step(update: Update, context: Context) -> None:
    """A reply to a step's message (a note, a question, an outcome, a reason): the step is done with its words. Any
    other reply is left to the sender's side (an answer to the school's question, or a policy question)."""
    from handlers.telegram.flows import answer_by_reply

    message, chat = update.message, update.effective_chat
    found = _step_replied_to(message)
    if found is None or message is None or chat is None or not message.text:
        if not await _not_a_step(update, context):
            await answer_by_reply(update, context)
        return
    step, code = found
    reply, buttons = await in_thread(_act, core_of(context), chat.id, step, code, message.text)
    await say(update, context, reply, buttons)


async def edited_reply_to_step(update: Update, context: Context) -> None:
    """A reply to a step's message changed after it was sent: the step was done with the words first sent, which
    stay (a note, an outcome): the way to put them right is a note. Any other change is chat.edited's."""
    from bot.reports.in_words import CHANGED_REPLY, NOTE_BUTTON
    from handlers.telegram.chat import edited

    found = _step_replied_to(update.edited_message)
    if found is None:
        await edited(update, context)
        return
    code = found[1]
    await say(update, context, CHANGED_REPLY.format(code=code),
              _buttons(core_of(context), code, [NOTE_BUTTON]))
