"""What the bot says on Telegram that is not policy: welcome, help, privacy, prompts. Plain text, escaped on send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.reports.domain import REPLY_ADDED
from bot.wording import and_list

if TYPE_CHECKING:
    from bot.config import School


def welcome(school: School) -> str:
    return (
        f"Hello! I am {school.name}'s policy assistant for parents and carers.\n\n"
        "I can:\n"
        "• answer questions about the school's Social Media Policy, quoting it word for word: just type your "
        'question, for example "can I post photos from sports day?"\n'
        "• pass a concern to the school anonymously: /report\n"
        "• show news about a concern you reported: /status followed by your receipt code\n\n"
        + PRIVACY
    )


PRIVACY = (
    "Your privacy: a report never carries your name, username, phone number or Telegram account, and nobody "
    "at the school can see who sent it. What you write in a report, and any pictures, are stored encrypted "
    "(pictures without their hidden location and camera details). If you choose \"keep me updated here\", "
    "the way to reach this chat is stored encrypted and used only to send you news of your report. Questions "
    "the policy does not answer are kept, without who asked, so the school can improve the policy."
)

HELP = (
    "Type any question about the Social Media Policy and I will answer from the policy itself.\n\n"
    "/report - tell the school about a concern, anonymously\n"
    "/status CODE - check a concern you reported, using its receipt code\n"
    "/cancel - stop what you are doing\n"
    "/start - the welcome and privacy notice again\n"
    "/help - this help"
)

GROUP_ONLY_PRIVATE = (
    "Please message me privately: I only answer questions and take reports in a one-to-one chat, "
    "so nothing you send is seen by the group."
)
SLOW_DOWN = "You are sending messages very quickly. Please wait a few seconds and try again."
SLOW_DOWN_REPORT = (
    "You are sending messages very quickly, so the last ones were not added to your report. Please wait a few "
    "seconds, then send them again. Everything added before is kept: you will see it when you press Done."
)
ASK_PROMPT = 'Type your question in your own words, for example "can I share a photo of the school play?"'
NOT_TEXT = (
    "I can only read typed messages here. Please type your question, or send /report to tell the school "
    "about a concern (photos and screenshots are welcome there)."
)
CAPTION_ANSWERED = (
    "I cannot look at pictures, only read words, so I have taken what you wrote with it as your question. To send "
    "a picture to the school with a concern, send /report."
)
FORWARDED = (
    "That is a forwarded message. If it worries you, you can pass it to the school anonymously: press Report a "
    "concern, choose what it is about, then forward it to me again. If you have a question about it, please type it."
)
EDITED = "I do not take in changes to messages. If you changed something, please send it again as a new message."
EDITED_QUESTION = "You changed your question, so here is the answer to it as it is now."
EDITED_NOT_IN_REPORT = (
    "You changed a message that is not part of this report, so I have left the report as it is. To add something "
    "to it, send it as a new message."
)
EDITED_IN_REPORT = (
    "I have added your changed message to the report as well, so the school sees both versions. Send more, or "
    "press Done when you have finished."
)
UNKNOWN_COMMAND = "I do not know that command.\n\n" + HELP
STALE_BUTTON = "That button is no longer active. Send /help to see what I can do."
SOMETHING_WRONG = (
    "Sorry, something went wrong on our side. Nothing you have sent is lost; please try again in a minute. "
    "If a child is in immediate danger, call 999 now."
)
NOTHING_TO_CANCEL = "There is nothing to cancel. Type a question, or send /help."

# --- the report flow ---
CHOOSE_CATEGORY = "What is your concern about? Please choose the closest:"
DESCRIBE = (
    "Please tell us what happened, in your own words: who it concerns (if you know), what you saw or "
    "heard, where and when. You can send several messages, and photos or screenshots.\n\n"
    "When you have finished, press Done. Send /cancel to stop at any time: nothing is sent until you confirm."
)
ADDED = "Added. Send more, or press Done when you have finished."
ADDED_AFTER_A_WHILE = (
    "Welcome back. You are still writing a report, not sent yet, and I have added this to it. Press Done to check "
    "it and send it, or send /cancel to stop it."
)
SEND_MORE = "Send more, or press Done when you have finished."


CATEGORY_CHANGED = "Your concern is now: {label}. Everything you have sent so far is kept."


def added_more(count: int) -> str:
    """The one note for messages that came quickly after the last "Added." (see handlers.telegram.added)."""
    return f"Added {count} more. Send more, or press Done when you have finished."

NEED_DESCRIPTION = "Please tell us what happened before pressing Done: a few words are enough."
NEED_WORDS = (
    "Your pictures are kept. Please also write a few words about what happened and what they show, then press Done."
)
WORDS_KEPT_NOT_FILE = (
    "I added your words to the report, but not the file: I can only keep photos and screenshots. If the file "
    "matters, please describe what is in it."
)
ONLY_PICTURES = (
    "I can only keep photos and screenshots with a report. Please send a picture, or describe what you saw in words."
)
TOO_MANY_FILES = "That is as many pictures as one report can carry. Please describe anything else in words."
FILE_TOO_LARGE = "That file is too large. Please send a smaller photo or a screenshot."
TOO_LONG = (
    "That message would make your report longer than I can take, so it was not added. Press Done to send what you "
    "have written so far; once it is sent, you can add the rest with /status and \u201cReply to the school\u201d."
)
KEEP_CHOICE = (
    "Would you like to hear back about your report?\n\n"
    "• Keep me updated here: the school can send you news, or a question, in this chat. The way to reach "
    "this chat is stored encrypted, and nobody at the school can see who you are.\n"
    "• Keep nothing: you get a receipt code only. It is the only key to your report, so please keep it safe."
)
SENDING = "Sending your report..."
REVIEW_ABOVE = "Your report is shown above: press Send it, or Add more."
ALREADY_SENT = (
    "This report has already been sent, and its receipt code was given in a message above. To check it, send "
    "/status followed by the code. If no receipt code reached you, please send the report again with /report."
)
RECEIPT_HELD = "Your report did arrive safely, but we could not show you its receipt at the time. Here it is."
USE_BUTTONS = "Please choose with the buttons above, or send /cancel to stop. Nothing has been sent yet."
# Pictures (an album, say) sent where a button is awaited: not kept, and said so once, with how to add them.
NOT_ADDED_CHOOSE_FIRST = (
    "What you just sent was not added to the report. Please choose with the buttons above first, then send it "
    "again. Nothing has been sent yet."
)
NOT_ADDED_ADD_MORE = (
    "What you just sent was not added: your report is written and waits only for your choice above. To add it, "
    "press Add more above, then send it again. Nothing has been sent yet."
)
CANCELLED = "Stopped. Nothing was sent. If a child is in immediate danger, call 999 now."
UNDONE = "Your report is back as you left it, and still not sent. Send more, or press Done when you have finished."
UNDO_TOO_LATE = (
    "Sorry, I can no longer bring that report back: it was stopped more than 10 minutes ago, or I have restarted "
    "since. Please send /report to write it again."
)
ANSWER_CANCELLED = "Stopped. Nothing was added to your report."
CHECK_CANCELLED = "Stopped. Type a question, or send /help."
REPORT_IN_PROGRESS = (
    "You are in the middle of making a report, and it is kept. Carry on with the buttons above (Done when you have "
    "written everything), or send /cancel to stop it."
)
REPORT_UNDERWAY_NOTE = (
    "You are still making a report: what you type now is added to it. Press Done to finish it, or send /cancel "
    "to stop it first."
)
REPORT_KEEP_NOTE = (
    "Your report is written but not sent yet: please choose with the buttons above whether to hear back, or send "
    "/cancel to stop it."
)

# --- status ---
ASK_CODE = "Please send your receipt code (for example ACDE-FGHJ-KMNP-RTWX). Send /cancel to stop."
NO_CODE_THEN = "That is not a receipt code, so I have taken it as a question. To check a report later, send /status."
WRITE_REPLY = (
    "Please send what you want to tell the school, in one message: words, or a photo or screenshot. It goes to the "
    "school with your report, without your name. Send /cancel to stop."
)
REPLY_SENT = REPLY_ADDED
ANSWERED_WHILE_WRITING = (
    "Thank you. Your answer has gone to the school with your earlier report {code}. It is not part of the report you "
    "are writing now, which is kept: send more, or press Done when you have finished."
)
NOT_ADDED_TO_THIS_REPORT = (
    "It has not been added to the report you are writing now, which is kept: send more, or press Done when you have "
    "finished."
)
IS_IT_THE_ANSWER = "Is this your answer to the school about report {code}?"
# A "yes" or "no" pressed on that question once nothing is held for it (see flows._nothing_held). Exact whichever way
# the message went: sent with an earlier "yes", or let go.
HELD_GONE_CLOSED = (
    "Report {code} has been closed, so I no longer keep anything you wrote after its news that you had not yet sent. "
    "If you would still like the school to read it, press “Reply to the school” and send it again."
)
HELD_GONE_CLOSED_QUESTION = (
    "Report {code} has been closed, so I no longer keep what you wrote after its news. If it was a question, please "
    "type it again."
)
HELD_GONE = (
    "I no longer keep what you wrote after the news about report {code}: it was sent already, or let go. To send "
    "the school something about it, press “Reply to the school”."
)
HELD_GONE_QUESTION = "I no longer keep what you wrote after that news. If it was a question, please type it again."
HELD_NOT_SENT = (
    "What you wrote after its news was not sent to the school. If it was your answer, you can still send it: "
    "/status {code}, then “Reply to the school”."
)
REPLY_PICTURE_NOT_KEPT = (
    "I could not keep that picture: it is not a photo I can read, or Telegram would not pass it on. Please send it "
    "again as a photo, or write your answer in words. Send /cancel to stop."
)
ALBUM_PICTURE_NOT_KEPT = (
    "I could not keep one of the pictures in your answer: it is not a photo I can read, or Telegram would not pass it "
    "on. The others are in your report. To send it again, press “Reply to the school”, then send it as a photo."
)
PICTURE_FOR_THE_SCHOOL = (
    "Is this picture for the school, about report {code}? If it is, press \u201cReply to the school\u201d below, "
    "then send it again. Nothing has been sent yet."
)
FORGET_ME = (
    "I do not know who you are: your name, username and Telegram account are never kept with your questions or "
    "reports.\n\n"
    "If you asked to hear back about a report here, send /status with its receipt code, then press \u201cStop news "
    "in this chat\u201d: the school then forgets how to reach this chat. A report you sent stays with the school, "
    "without your name.\n\n"
    "To clear this conversation from your phone, delete the chat in Telegram."
)
HOW_TO_CHECK = (
    "To see news about your report, send /status followed by its receipt code. The code is in the message that "
    "thanked you for your report. If you chose \u201cKeep me updated here\u201d, news also comes to this chat by "
    "itself."
)
NOTHING_TO_FORGET = "The school already has no way to reach you about report {code}, so no news will come here."
FORGOTTEN = (
    "Done: the school no longer has a way to reach this chat, and no news will come here. Your report is "
    "unchanged; you can still check it with /status {code}."
)


def pictures_left_out(numbers: list[int], kept: int) -> str:
    """Some pictures could not be fetched or are not photos the report can keep: they are left out."""
    which = ", ".join(str(n) for n in numbers[:-1]) + (" and " if len(numbers) > 1 else "") + str(numbers[-1])
    picture = "Picture" if len(numbers) == 1 else "Pictures"
    rest = {0: "your words", 1: "the other picture"}.get(kept, f"the other {kept} pictures")
    return (
        f"{picture} {which} (in the order you sent them) could not be kept: a file that is not a photo, or one "
        f"Telegram would not pass on. I have left {'it' if len(numbers) == 1 else 'them'} out. Press Send it to "
        f"send your report with {rest}, or send the picture again as a photo."
    )


def the_roles(labels: list[str]) -> str:
    return and_list([f"the {label}" for label in labels])


def about_another(chosen: list[str], left: list[str]) -> str:
    return (f"Your report will not go to {the_roles(chosen)}. Is it also about {the_roles(left)}? If it is, press "
            "the button; if not, press No.")
