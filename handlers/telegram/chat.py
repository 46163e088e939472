"""Everything outside a flow: /start, /help, the menu, policy questions with their buttons, and the odd update.

A question is any text in a private chat: answered for the parents' audience through `bot.qa.gaps.ask`, then
each quoted clause with its section name. Buttons: the whole section, and "did this help?" (stored, no identity).
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import TYPE_CHECKING

from telegram import Message, Update

from handlers.telegram import texts
from handlers.telegram.awaiting import awaiting_answers
from handlers.telegram.common import (
    Context,
    Keyboard,
    answer_callback,
    core_of,
    in_thread,
    keyboard,
    report_underway,
    report_waits_for_keep_choice,
    say,
    say_blocks,
)
from handlers.telegram.formatting import Block, bold, callback_data, plain, quote, resolve_value

if TYPE_CHECKING:
    from bot.core import Core
    from bot.qa import Answer

MAX_CITATIONS = 3
MAX_SECTION_BUTTONS = 2

# Callback data prefixes (Telegram allows 64 bytes; see formatting.callback_data for long ids).
MENU_ASK, MENU_REPORT, MENU_STATUS, MENU_CONTACT = "m:ask", "m:report", "m:status", "m:contact"
SECTION = "s"
HELPFUL, NOT_HELPFUL = "f1", "f0"

MENU: Keyboard = [
    [("Ask about the policy", MENU_ASK)],
    [("Report a concern", MENU_REPORT)],
    [("Check a report", MENU_STATUS)],
    [("Contact the school", MENU_CONTACT)],
]


def _underway(context: Context) -> str:
    """A note for the end of a message when a report is being written, so a question is not added to it unseen."""
    if not report_underway(context):
        return ""
    return "\n\n" + (texts.REPORT_KEEP_NOTE if report_waits_for_keep_choice(context) else texts.REPORT_UNDERWAY_NOTE)


async def start(update: Update, context: Context) -> None:
    await say(update, context, texts.welcome(core_of(context).school) + _underway(context), MENU)


async def help_command(update: Update, context: Context) -> None:
    await say(update, context, texts.HELP + _underway(context), MENU)


async def menu(update: Update, context: Context) -> None:
    await answer_callback(update)
    data = update.callback_query.data if update.callback_query else None
    if data == MENU_ASK:
        if update.effective_chat is not None:  # "ask about the policy": what is typed next is a question
            awaiting_answers(context).done(update.effective_chat.id)
        await say(update, context, texts.ASK_PROMPT + _underway(context))
    elif data == MENU_CONTACT:
        await say(update, context, contact_text(core_of(context)))


def contact_text(core: Core) -> str:
    contacts = [c.describe() for c in core.school.contacts.values() if c.phone or c.email]
    lines = [f"You can contact {core.school.name}:"] + [f"• {line}" for line in contacts]
    lines.append("\nIf a child is in immediate danger, call 999 now.")
    return "\n".join(lines)


# --- questions ---
async def question(update: Update, context: Context) -> None:
    message = update.message
    if message is None or not message.text:
        return
    await answer_question(update, context, message.text)


# A message changed after it was sent is answered again only if it was answered as a question: one that went into a
# report, to the school, or was held as an answer to it is no question ("You changed your question" and an answer from
# the policy, or its words kept among the questions the policy could not answer). Memory only: after a restart an edit
# is met with "please send it again", as before.
ANSWERED = "answered_questions"  # bot_data: chat id -> ids of its latest messages answered as questions
ANSWERED_PER_CHAT = 20
ANSWERED_CHATS = 5000


def _note_answered(update: Update, context: Context) -> None:
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    chats: dict[int, deque[int]] = context.application.bot_data.setdefault(ANSWERED, {})
    ids = chats.pop(chat.id, None) or deque(maxlen=ANSWERED_PER_CHAT)
    ids.append(message.message_id)
    chats[chat.id] = ids  # (the most recent last: the longest quiet chat goes first)
    while len(chats) > ANSWERED_CHATS:
        del chats[next(iter(chats))]


def _was_answered(update: Update, context: Context) -> bool:
    message, chat = update.edited_message, update.effective_chat
    chats: dict[int, deque[int]] = context.application.bot_data.get(ANSWERED) or {}
    return message is not None and chat is not None and message.message_id in chats.get(chat.id, ())


async def answer_question(update: Update, context: Context, text: str) -> None:
    from bot.qa.gaps import ask

    core = core_of(context)
    _note_answered(update, context)
    answer = await in_thread(ask, core, text, "parent", "telegram")
    blocks, buttons = answer_message(answer)
    await say_blocks(update, context, blocks, buttons)


def answer_message(answer: Answer) -> tuple[list[Block], Keyboard]:
    blocks: list[Block] = [plain(answer.text.strip() or texts.ASK_PROMPT)]
    citations = answer.citations[:MAX_CITATIONS]
    for citation, words in answer.to_be_quoted(MAX_CITATIONS):
        blocks.append(bold(f"From “{citation.section}” ({citation.policy}):"))
        blocks.append(quote(words))
    if answer.contact and answer.contact not in answer.text:
        blocks.append(plain(f"Any questions about it? Please ask {answer.contact}."))
    rows: list[list[tuple[str, str]]] = []
    seen: set[str] = set()
    for citation in citations:
        if citation.section_id in seen or len(seen) >= MAX_SECTION_BUTTONS:
            continue
        seen.add(citation.section_id)
        label = "Show whole section" if len(citations) == 1 else f"Show “{_short(citation.section)}”"
        rows.append([(label, callback_data(SECTION, citation.section_id))])
    if answer.report:
        rows.append([("Report a concern", MENU_REPORT)])
    if citations:
        clause = citations[0].clause
        rows.append([
            ("👍 Helpful", callback_data(HELPFUL, clause)),
            ("👎 Not helpful", callback_data(NOT_HELPFUL, clause)),
        ])
    return blocks, rows


def _short(title: str, limit: int = 40) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


async def show_section(update: Update, context: Context) -> None:
    query = update.callback_query
    core = core_of(context)
    library = core.policies  # once: a running bot may put edited policy files in force at any moment
    section_ids = [section.id for _, section in library.sections()]
    section_id = resolve_value(query.data or "", SECTION, section_ids) if query else None
    found = library.section(section_id) if section_id else None
    if found is None:
        await answer_callback(update, texts.STALE_BUTTON)
        return
    await answer_callback(update)
    policy, section = found
    blocks = [bold(f"{section.title} ({policy.title})")]
    blocks += [plain(clause.display) for clause in section.clauses]
    await say_blocks(update, context, blocks)


VOTED = "voted_answers"  # bot_data: the answers (chat id, message id) already voted on
MAX_VOTES_REMEMBERED = 10_000


async def feedback(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    core = core_of(context)
    data = query.data or ""
    helpful = data.startswith(HELPFUL)
    clause_ids = [ref.clause.id for ref in core.policies.clauses()]
    clause_id = resolve_value(data, HELPFUL if helpful else NOT_HELPFUL, clause_ids)
    if clause_id is None:
        await answer_callback(update, texts.STALE_BUTTON)
        return
    from bot.feedback import record_feedback

    # One vote per answer: a second tap that arrives before the buttons are taken away counts for nothing. (Kept
    # in memory only, and forgotten oldest first.)
    voted: dict[tuple[int, int], None] = context.application.bot_data.setdefault(VOTED, {})
    answer_key = (query.message.chat.id, query.message.message_id) if query.message is not None else None
    if answer_key is not None and answer_key in voted:
        await answer_callback(update, "Thank you for telling us.")
        return
    if answer_key is not None:
        voted[answer_key] = None
        if len(voted) > MAX_VOTES_REMEMBERED:
            del voted[next(iter(voted))]
    stored = await in_thread(record_feedback, core, "telegram", clause_id, helpful)
    await answer_callback(update, "Thank you for telling us." if stored else texts.STALE_BUTTON)
    if stored and query.message is not None:
        # One vote per answer: take the feedback buttons away, keep "show section".
        await _drop_feedback_buttons(update, context)


async def _drop_feedback_buttons(update: Update, context: Context) -> None:
    query = update.callback_query
    message = query.message if query else None
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    markup = message.reply_markup
    rows = [
        [(b.text, str(b.callback_data)) for b in row if not str(b.callback_data).startswith(("f1", "f0"))]
        for row in markup.inline_keyboard
    ]
    # The vote is stored; a message too old to edit does not matter.
    with contextlib.suppress(Exception):
        await context.bot.edit_message_reply_markup(
            message.chat.id, message.message_id, reply_markup=keyboard([r for r in rows if r])
        )


# --- everything else ---
async def not_text(update: Update, context: Context) -> None:
    await say(update, context, texts.NOT_TEXT)


async def edited(update: Update, context: Context) -> None:
    """A message changed after it was sent. A question (a typo put right, say) is answered as it now reads; with a
    report under way, a message about one, or one that was no question (see ANSWERED), the parent is asked to send
    it again."""
    from bot.reports.receipts import find_code, mentions_reference

    message = update.edited_message
    text = (message.text or "") if message is not None else ""
    if not text.strip() or text.startswith("/") or report_underway(context) or find_code(text) \
            or mentions_reference(text) or not _was_answered(update, context):
        await say(update, context, texts.EDITED)
        return
    await say(update, context, texts.EDITED_QUESTION)
    await answer_question(update, context, text)


async def unknown_command(update: Update, context: Context) -> None:
    await say(update, context, texts.UNKNOWN_COMMAND + _underway(context))


async def nothing_to_cancel(update: Update, context: Context) -> None:
    await say(update, context, texts.NOTHING_TO_CANCEL)


async def stale_button(update: Update, context: Context) -> None:
    await answer_callback(update, texts.STALE_BUTTON)
