"""What a person may ask about their own data, in their own words, rather than about the policy.

"Please delete everything about me" is no policy question: answered from the policy, it was met with the clause on
parents who refuse to comply. Each adapter says, in its own words, what is kept and how to stop news (FORGET_ME in
handlers/telegram/texts, handlers/console and handlers/slack/answers; bot.typed.about_the_asker says when), and
none is kept as a question the policy could not answer.
"""

from __future__ import annotations

import re

_DATA = r"(?:personal\s+)?(?:data|details|information|info|messages|chats?|history|records?|number)"
_ASKS_TO_BE_FORGOTTEN = re.compile(
    r"\bforget\s+(?:about\s+)?me\b"
    r"|\bright\s+to\s+(?:be\s+)?forgotten\b"
    r"|\bgdpr\s+(?:request|erasure|deletion)\b"
    r"|\b(?:delete|remove|erase|wipe|clear)\s+(?:all\s+)?(?:of\s+)?"
    r"(?:me\b|everything\s+(?:about|on)\s+me\b|what\s+you\s+(?:have|hold|keep|know)\s+(?:on|about)\s+me\b"
    r"|(?:all\s+)?my\s+" + _DATA + r"\b)",
    re.IGNORECASE,
)


# What the policy is about: "can they remove me?" of a tagged photo, or "remove me from the class WhatsApp group", asks
# about that, not about what the bot keeps ("GDPR" alone names a law a policy question may ask about).
_SOMETHING_ELSE = re.compile(
    r"\b(?:photos?|pictures?|images?|videos?|posts?|posted|tag(?:s|ged|ging)?|groups?|comments?|whatsapp|facebook"
    r"|instagram|tiktok|twitter|snapchat)\b",
    re.IGNORECASE,
)


def asks_to_be_forgotten(text: str) -> bool:
    """Whether a message asks for what is kept about its sender to be deleted ("forget me", "delete my data").
    A question about deleting something else ("can I delete a photo of my son I posted?", "can they remove me from
    the photo?") is not."""
    return bool(_ASKS_TO_BE_FORGOTTEN.search(text or "")) and not _SOMETHING_ELSE.search(text or "")
