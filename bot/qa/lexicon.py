"""What people say, mapped to what the policy means: the concept lexicon of the question answerer.

Parents and staff say "pics on insta", the policy says "images on social networking sites". Each concept below
lists surface forms (words or short phrases, matched after folding and stemming, longest phrase first); every
form becomes the concept token, on both the question side and the policy side. Add forms here when a real
question used a word the bot did not know (`policybot policy gaps`).
"""

from __future__ import annotations

# Telling the site itself ("does the school tell Facebook?", "complain to Instagram"): its host or provider, and
# still the site (ALSO_MEANS).
TELL_THE_SITE = tuple(
    f"{verb} {site}"
    for verb in ("tell", "contact", "complain to")
    for site in ("facebook", "instagram", "tiktok", "twitter", "snapchat", "youtube", "the platform")
)

CONCEPTS: dict[str, tuple[str, ...]] = {
    "image": (
        "boomerang", "live stream", "livestream", "go live", "going live", "stream", "streaming", "broadcast",
        "broadcasting", "in shot", "timelapse",
        "album", "albums", "photo album",
        "pics", "screenshot", "screen shot", "photographs", "vids", "filmed", "snaps",
        "image", "photo", "photograph", "photography", "pic", "piccy", "piccies", "pik", "picture", "foto",
        "selfie", "selfy", "selfies", "video", "vid", "film", "filming", "footage", "recording", "record",
        "camera", "clip", "reel", "snapshot", "photoshoot", "pictur",
    ),
    "social": (
        "roblox", "telegram", "twitch", "bereal", "the gram", "facebook group", "fb group", "community page",
        "community group", "local group", "parents group", "parents' group", "mums group", "class group",
        "whatsapp group", "whatsapp status", "status", "app", "apps", "social networking sites", "socials",
        "social media", "social network", "social networking", "social networking site", "social network site",
        "social medium", "socials", "facebook", "fb", "face book", "insta", "instagram", "ig", "twitter",
        "tweet", "tweeting", "tiktok", "tik tok", "snapchat", "snap chat", "whatsapp", "whats app", "youtube",
        "you tube", "linkedin", "reddit", "mumsnet", "threads", "messenger", "bluesky", "pinterest", "discord",
        "online", "on line", "on-line", "internet", "internet site", "web", "social networking/internet site",
        "social media/internet site", "group chat", "x formerly twitter", "story", "stories", "feed", "profile",
        "page", "grid", "platform",
    ),
    "message": (
        "messaged", "dms", "inbox", "drop a message", "texted", "direct messages", "dming", "dmed", "dmd", "dm'ing",
        "dm'd", "dm'ed",
        "message", "messaging", "dm", "direct message", "pm", "private message", "inbox", "text", "texting",
        "whatsapp", "chat", "communicate", "communication", "contact", "talk to", "speak to", "email", "e-mail",
        "correspond", "send",
    ),
    "post": (
        "hit post", "hit send", "hit publish", "press post",
        "post", "posting", "upload", "share", "put up", "put", "publish", "stick", "repost", "retweet", "tag",
        "add posts",
    ),
    "comment": ("comment", "remark", "reply", "respond", "statement", "view", "opinion", "say", "write"),
    "negative": (
        "blast", "blasting", "roast", "roasting", "tear a strip off", "drag them", "dragging",
        "snide", "catty", "spiteful", "bitchy", "sneering", "sneer", "cheap shot", "jibe", "jibes",
        "thug", "menace", "brat", "feral", "joke about", "make fun", "mock", "mocking", "funny post about",
        "take the mick", "take the mickey", "wind up",
        "tearing into", "tear into", "laying into", "lay into", "ripping into", "rip into",
        "pulling apart", "tearing apart", "digs", "making digs", "miserable", "worst",
        "awful", "terrible", "dreadful", "disgusting", "pathetic", "incompetent", "clueless", "hopeless",
        "nightmare", "vile", "idiot", "stupid", "lazy", "shocking", "appalling", "useless teacher",
        "slating", "slagging", "slagging off", "rubbish", "useless", "hate", "call out", "calling out", "a go at",
        "dig at", "bitching", "sarcastic", "snarky", "horrid", "pile on", "have a pop", "mouth off", "let off steam",
        "shame", "trash talk", "insulting", "insults", "mean things",
        "negative", "nasty", "rude", "offensive", "abusive", "abuse", "mean", "horrible", "bad", "moan",
        "moaning", "rant", "vent", "whinge", "grumble", "slag", "slag off", "slate", "trash", "bad mouth",
        "badmouth", "diss", "criticise", "criticize", "criticism", "insult", "derogatory", "bitch", "having a go",
        "have a go", "kick off", "name and shame", "attack", "unkind",
    ),
    "complaint": ("complaint", "complain", "grievance", "complaining"),
    "concern": (
        "fobbing me off", "fob me off", "fobbing us off", "brushing me off", "brushed off", "brush me off",
        "getting nowhere", "going nowhere",
        "disagree", "disagreement", "not sorted", "nothing changed", "nothing has changed", "nothing happened",
        "raging", "gutted", "irritated", "hacked off", "seething", "outraged", "disgusted", "had enough",
        "fobbed off", "won't listen", "not listening", "ignored me", "let down",
        "fuming", "livid", "gripe", "not impressed", "disappointed", "worries", "grumbles",
        "concern", "worry", "worried", "problem", "issue", "unhappy", "not happy", "upset", "raise",
        "frustration", "frustrated", "annoyed", "angry", "fed up", "cross", "furious",
        # a worry put as what is lacking ("the teacher is not good to my child"), as "not happy" is
        "not good", "no good", "not nice", "not kind", "not fair", "unfair",
    ),
    "defamation": (
        "fake", "fakes", "faked", "fiddles", "fiddled", "cooked the books", "cover up", "covering up",
        "liar", "lying", "fib", "fibs", "twisting the truth",
        "gossip", "not true", "fake news", "smear", "make up stories", "made up stories", "spread rumours",
        "spreading rumours", "misleading",
        "defamatory", "defamation", "defame", "libel", "libellous", "libelous", "slander", "lie", "lies",
        "untrue", "false", "rumour", "rumor", "made up",
    ),
    "allegation": (
        "on the take", "corrupt", "fiddling", "stealing", "steals", "stole", "pushed", "shouted at",
        "claim", "claims", "claiming", "rough with", "manhandled", "grabbed", "mistreated", "mistreating",
        "allegation", "allege", "accuse", "accusation", "accusing"),
    "bully": ("bully", "bullying", "cyberbullying", "cyber bullying", "cyber-bullying", "troll", "trolling",
              "picking on", "pick on"),
    "racism": (
        "muslim", "muslims", "jewish", "islamophobic", "islamophobia", "antisemitic", "anti-semitic", "skin colour",
        "colour of their skin", "ethnic", "ethnicity", "immigrant", "immigrants", "foreigners", "gypsy",
        "traveller family", "nationality",
        "racially", "racial slur", "bigot", "bigoted", "sexist", "transphobic", "xenophobic", "racist", "racism",
        "racial", "race", "hate speech", "discrimination", "homophobic",
    ),
    "threat": (
        "hit", "kick", "thump", "deck", "sort him out", "sort her out", "smash", "stab", "wait outside",
        "knock out",
        "punch", "smack", "slap", "batter", "sort them out", "threatened", "threats", "threat", "threaten",
        "threatening", "violence", "violent", "hurt", "beat up", "kill",
    ),
    "extremism": (
        "propaganda", "far right", "far-right", "islamist", "extremist ideas", "radicalised", "radicalized",
        "extremism", "extremist", "extreme", "radical", "radicalise", "radicalize", "radicalisation",
        "radicalization", "terror", "terrorism", "terrorist", "prevent", "channel referral",
    ),
    "dsl": ("designated safeguarding lead", "designated safeguarding leads", "dsl", "dsls",
            "safeguarding lead", "safeguarding leads"),
    "safeguarding": (
        "grooming", "groomed", "groom", "at risk", "being harmed", "exploited", "exploitation", "child abuse",
        "neglect", "neglected",
        "welfare", "wellbeing", "well-being", "keep kids safe", "keeping kids safe", "protect children",
        "protecting children", "safeguarding", "safeguard", "child protection", "keep children safe",
        "keeping children safe",
    ),
    "values": (
        "british values", "democracy", "rule of law", "individual liberty", "liberty", "tolerance", "tolerant",
        "faith", "religion", "religious", "belief", "beliefs", "mutual respect", "modern britain",
    ),
    "friend": (
        "liking my posts", "likes my posts", "likes my photos", "liking my photos", "comments on my posts",
        "commenting on my posts", "keeps liking",
        # "follow", "add" and "accept" alone are everyday words ("follow the procedure"): only as a request
        "friend", "mates", "friend request", "friends request", "friend requests", "friend me", "friends list",
        "befriend",
        "friended", "friending", "mate", "follow request", "follow requests", "follower", "followers",
        "follow me", "follows me", "followed me", "follow back", "follow them", "follow him", "follow her",
        "follow a", "follow an", "follow my", "follow parents", "follow pupils", "follow each other", "subscribe",
        "add me", "added me", "adds me", "add a", "add an", "add parents", "add pupils", "add them", "add him",
        "add her", "add my", "accept a request", "accept their request", "accept the request", "connect with",
    ),
    "reject": ("reject", "decline", "refuse the request", "ignore", "ignoring", "say no", "turn down", "deny"),
    "expupil": (
        "year 6 leaver", "year 6 leavers", "year six leaver", "y6 leaver", "gone to secondary",
        "moved up to secondary", "now at secondary",
        "left last year", "who left", "old student", "used to teach", "who has left", "who have left", "old pupils",
        "former pupils", "ex pupils", "ex-pupil's",
        "ex pupil", "ex-pupil", "expupil", "former pupil", "old pupil", "past pupil", "ex student",
        "former student", "pupils who have left", "alumni", "left the school", "ex-pupils",
    ),
    "child": (
        "her mates", "his mates", "their mates", "class mates",
        "twins", "twin", "triplets", "stepson", "stepdaughter", "my little boy", "my little girl", "my eldest",
        "my youngest", "my middle one",
        "lad", "little one", "kiddies", "youngster", "classmate", "classmates", "year 1", "year 2", "year 3", "year 4",
        "year 5", "my boy", "my girl", "year six", "pupils",
        "child", "children", "kid", "kids", "kiddo", "pupil", "student", "son", "daughter", "boy", "girl",
        "learner", "young person", "young people", "child/ren", "year 6", "class",
    ),
    "parent": (
        "mummy", "daddy", "parents", "mums and dads", "parent", "mum", "mom", "mam", "dad", "mother", "father", "carer",
        "parent/carer", "mums",
    ),
    "relative": (
        "ex husband", "ex-husband", "ex wife", "ex-wife", "ex partner", "godparent", "godmother", "godfather",
        "stepmother", "stepfather", "in law", "other half", "great grandparent", "older brother", "older sister",
        "relative", "grandparent", "grandma", "grandad", "grandpa", "granny", "nan", "nana", "aunt", "auntie",
        "aunty", "uncle", "cousin", "step-parent", "step parent", "stepmum", "step mum", "stepdad", "step dad",
        "guardian", "foster", "family", "family member", "childminder", "sibling", "brother", "sister",
        "partner", "boyfriend", "girlfriend", "husband", "wife",
    ),
    "staff": (
        "tas", "support staff", "office staff", "receptionist", "caretaker", "cleaner", "lunchtime staff",
        "midday supervisor", "sports coach", "class teacher", "form teacher", "teaching staff", "school staff",
        "staff", "teacher", "member of staff", "staff member", "ta", "teaching assistant", "employee", "tutor",
        "lunchtime supervisor", "dinner lady", "teachers",
        # roles that name no "staff" or "teacher". Every word of a form here counts as framing, never as what a
        # question is about (QuestionAnswerer._not_specific): no "learning support assistant", "site manager".
        "midday", "midday assistant", "lunchtime assistant", "mda", "mdsa", "hlta", "lsa", "senco", "nqt",
        "apprentice", "playworker", "librarian",
    ),
    "head": (
        "deputy", "deputy headteacher", "head of school", "executive head", "the head", "headteacher", "head teacher",
        "head", "headmaster", "headmistress", "principal", "deputy head",
             "boss", "senior leader", "slt"),
    "colleague": ("colleague", "coworker", "co-worker", "workmate", "fellow teacher"),
    "governor": ("governor", "trustee", "governing body"),
    "volunteer": ("volunteer", "voluntary", "parent helper", "helper", "unpaid"),
    "phone": ("phone", "mobile", "iphone", "smartphone", "android", "cell", "mobile phone", "own device",
              "personal device", "my device", "telephone", "cellphone", "cell phone", "smart phone", "handset"),
    "equipment": ("equipment", "ipad", "tablet", "laptop", "computer", "pc", "device", "chromebook",
                  "school device", "whiteboard", "desktop"),
    "contact_details": (
        "my whatsapp", "my snap", "my username", "my user name", "my handle", "my insta handle", "my gamertag",
        "my number", "my phone number", "my mobile number", "my personal number", "my email", "my personal email",
        "my email address", "personal number", "whatsapp number", "my digits", "my address",
        "my personal mobile number",
        "phone number", "mobile number", "number", "contact details", "email address", "telephone number",
        "mobile telephone number", "home address", "address", "personal email", "contact info", "digits",
    ),
    "police": ("police", "arrest", "arrested", "criminal", "crime", "copper", "cop"),
    "legal": (
        "legal advice", "take me to court", "sue me", "legal", "sue", "sued", "court", "lawyer", "solicitor",
        "legal action", "litigation", "lawsuit",
    ),
    "remove": (
        "get rid of", "take it off", "taken off", "take off", "pull down", "take my post down", "take the post down",
        "take my comment down", "take my comments down", "take them down", "take that down", "take this down",
        "delete it", "taken down", "remove", "removal", "delete", "take down", "taken down", "take it down", "erase",
        "wipe",
    ),
    "consent": (
        "without asking", "without permission", "without my permission", "without my consent", "never asked",
        "didn't ask", "nobody asked", "asked me first", "agreed to it",
        "signed form", "sign a form", "photo permission", "media consent", "photo consent", "consent slip",
        "permission form", "consented", "consent", "consent form", "permission slip", "opt out", "opt in",
    ),
    # Taking back consent already given: the policy says consent is needed, not how to take it back
    "withdraw": (
        "withdraw", "withdrawn", "withdrawing", "change my mind", "changed my mind", "change of mind", "revoke",
        "take it back", "take back",
    ),
    "password": ("password", "passwords", "login", "log in", "logins", "credentials", "account access",
                 "passcode"),
    "leave": ("leave", "leaving", "leaver", "quit", "resign", "new job", "moving on", "last day"),
    "private": (
        "can't find me", "cannot find me", "look me up", "search for me", "find my profile", "find my account",
        "visible to everyone", "visible to anyone", "visible to the public", "anyone can see", "everyone can see",
        "can see my profile", "see my profile", "public profile", "open profile",
        "private", "privacy", "privacy settings", "locked", "lock", "locked down", "hidden", "public",
                "settings"),
    "logo": ("logo", "badge", "crest", "brand", "branding", "emblem"),
    "confidential": (
        "ofsted", "budget", "restructure", "restructuring", "test scores", "development plan", "internal emails",
        "internal email", "unpublished", "not been announced", "before it's announced", "not yet announced",
        "meeting notes", "minutes", "school business", "pupil records", "records", "pupil data", "data breach",
        "private information", "confidential", "sensitive", "business-sensitive", "secret", "gdpr", "data protection",
                     "personal data", "internal", "staff meeting",
        # news and papers not yet made public: "before it was announced", "the school files"
        "before it was announced", "before it is announced", "before announced", "before they are published",
        "before it is published", "before they're published", "before it's published", "not published",
        "not public yet", "not yet public", "not public", "school files", "pupil files", "pupil info",
        "pupil information", "inspection feedback", "ofsted feedback", "inspectors said"),
    "security": ("security", "door code", "alarm", "keypad", "entrance", "building", "cctv", "lockdown procedure",
                 "gets unlocked", "unlocked", "locked up"),
    "blog": (
        "substack", "personal website", "blog post", "blogs", "blog", "blogging", "vlog", "vlogging", "blogger",
        "youtube channel", "podcast", "journal",
    ),
    # "update" alone is everyday ("update me about her son"): only the policy's own updating counts
    "review": (
        "review", "reviewed", "updated", "update the policy", "policy updated", "revise", "revised", "renew",
        "annually", "every year", "annual", "how often", "looked at again", "get looked at", "next looked at",
        "revisited", "checked again", "gone over again", "redone", "refreshed",
    ),
    "adopted": (
        "out of date", "up to date", "current version", "latest version", "when was it written", "adopted", "written",
        "date", "dated", "april 2022", "2022", "how old", "issued", "version",
        "how current", "how recent", "put in place", "brought in", "introduced", "in force", "what year",
        "what month", "approved", "ancient",
    ),
    # Asking what the school will do about something points to its procedures, not to the rule itself.
    "school_response": (
        "what will the school do", "what will school do", "what can the school do", "what can school do",
        "what would the school do", "what would school do", "what does the school do", "what do school do",
        "what is the school going to do", "what's the school going to do", "whats the school going to do",
        "what will you do", "what can you do about", "will the school do anything", "will school do anything",
        "do anything about it", "take action", "what action", "deal with it", "how will the school deal",
        "how does the school deal", "how will school deal", "how do school deal",
    ),
    "consequence": (
        "what then", "what next", "repercussions", "comeback",
        "consequence", "happen", "happens", "sanction", "punishment", "punish", "repercussion", "trouble",
        "penalty", "outcome", "in trouble",
    ),
    # Owning up to a post ("I posted something I shouldn't have", "I regret it"): what the school expects next is
    # that it comes down and a meeting with the Headteacher, more than the sanctions for libel.
    "regret": (
        "regret", "regrets", "regretted", "regretting", "should not have", "shouldn't have", "wish i had not",
        "wish i hadn't", "heat of the moment", "slipped up", "got carried away", "made a mistake", "my mistake",
    ),
    "discipline": ("disciplinary", "discipline", "disciplined", "sacked", "fired", "dismissed", "dismissal",
                   "lose my job", "lose job", "gross misconduct", "misconduct"),
    "investigate": (
        "looking into", "find out what happened", "had a chance to look", "look at my complaint", "investigate",
        "investigation", "investigated", "look into", "looked into",
    ),
    "breach": (
        "ignore the policy", "ignore the rules", "ignoring the policy", "ignoring the rules", "disobey",
        "not follow the policy", "don't follow the policy", "not follow the rules", "breach", "break", "breaking",
        "broke", "broken", "breaches", "breach of policy", "go against",
               "misuse", "violate", "breaching"),
    "block": (
        "stop me", "blocking", "barred from", "kicked off", "block", "blocked", "ban", "banned from", "restrict",
        "restricted", "barred", "kick out",
              "kicked out", "removed from"),
    "warning": ("warning", "warn", "letter", "in writing", "written warning"),
    "meeting": (
        "face to face", "in person", "sit down and talk", "pop in", "speak in person",
        "come in", "come into school", "summoned", "have a chat with", "called into", "meeting", "meet", "called in",
        "sit down with",
    ),
    "monitor": (
        "read his messages", "read her messages", "read their messages", "reading his messages",
        "reading her messages", "reading their messages", "read through", "go through her phone",
        "go through his phone", "check her phone", "check his phone", "check their phone",
        "keep watch", "check on", "look over", "see what they", "what they are doing", "what she is doing",
        "what he is doing", "what they're doing", "what she's doing", "what he's doing",
        "keep tabs", "check up on", "look through", "snoop", "spy on", "go through", "keeping an eye", "keep an eye on",
        "monitor", "check", "supervise", "supervision", "keep an eye", "watch", "track",
                "screen time", "parental controls", "oversee", "look at"),
    "widely_used": (
        "widely used", "everyone uses", "everybody uses", "everyone is on", "everyone's on", "everybody is on",
        "lots of people use", "most people use", "so many people use", "so popular", "popular", "nowadays",
        "these days", "common",
    ),
    "schoolname": (
        "i teach at", "where i teach", "my employer", "employer", "which school", "school name", "school's name",
        "name of the school", "where i work",
                   "school's name, logo"),
    "name": ("name", "naming", "identify", "named"),
    # Naming a person online, as against the school's name: the policy's "name individuals"
    "name_person": (
        "by name", "name individuals", "naming individuals", "name people", "naming people", "name names",
        "single out", "singling out", "singled out", "named me", "naming me", "name a", "name the", "named a",
        "named the", "named one", "named my", "naming a", "naming the", "name him", "name her", "name them",
    ),
    "forum": ("forum", "school website", "message board", "comment section"),
    "host": ("host", "provider", "host/provider", "site owner", "the site", "meta", *TELL_THE_SITE),
    "equip_personal": ("personal equipment", "own phone", "my phone", "personal phone", "my own phone",
                       "my mobile", "own mobile", "own telephone", "my telephone", "personal telephone",
                       "own smartphone", "personal smartphone", "own handset"),
    "outside_work": (
        "spare time", "own time", "my own time", "off duty", "at the weekend", "outside of school hours",
        "outside work", "outside of work", "at home", "in my own time", "weekend",
                     "evening", "personal time", "outside school", "outside of school",
        "away from school", "away from work", "out of school", "out of work", "out of school hours",
        "outside school hours", "outside working hours", "after work", "after hours", "off the clock",
        "not at work", "not at school", "free time", "in my free time"),
    "at_work": (
        "break time", "breaktime", "lunchtime", "during lessons", "in the staffroom", "staffroom", "school hours",
        "working hours", "on duty", "during the school day", "at break", "at work", "during work", "school day",
        "in school", "lunch break", "work hours", "in class",
    ),
    "fraud": (
        "fake account", "fake accounts", "fake profile", "pretending to be me",
        "scammer", "scammed", "phishing", "identity stolen", "stolen identity", "identity fraud", "identity theft",
        "fraud", "scam", "hack", "hacked", "hacker",
    ),
    "personal_info": (
        "divorce", "divorced", "separated", "break up", "my health", "my mental health", "my operation",
        "my dating life",
        "wedding", "my wedding", "engaged", "engagement", "my baby", "pregnant", "pregnancy",
        "my holiday", "my holidays", "my love life", "my social life", "my private business",
        "my hobbies",
        "where i live", "my family", "home life", "my relationship", "date of birth", "birthday", "my age",
        "my weekend", "my private life", "personal information", "personal info", "private life", "personal life",
                      "personal details", "about myself"),
    "publicity": ("publicity", "promotion", "promote", "marketing", "advertise", "advert"),
    "event": (
        "forest school", "easter bonnet", "bonnet parade", "easter parade", "egg hunt", "fun run", "sponsored walk",
        "harvest", "harvest festival", "christmas play", "nativity play", "tournament", "gala", "award", "awards",
        "graduation", "open day", "class assembly", "school show", "festival", "celebration", "christmas fair",
        "summer fair", "sports event", "school trip", "day out",
        "event", "nativity", "sports day", "school play", "play", "concert", "assembly", "disco", "fair",
        "fete", "trip", "performance", "show", "christmas show", "carol service", "parade", "school event",
        "residential", "party", "prom", "leavers assembly",
    ),
    "transparent": (
        "transparent", "open to scrutiny", "scrutiny", "open and transparent", "kept open", "in the open", "visible",
    ),
    "learning": ("learning", "achievement", "education", "lesson"),
    "feedback": (
        "bad review", "good review", "leave a review", "write a review", "review the school", "google review",
        "one star", "five star", "rating", "feedback", "suggestion", "review of the school", "rating", "compliment",
        "praise",
    ),
    "reputation": (
        "bad name", "bad light", "embarrass", "embarrassing", "show the school up", "make the school look bad",
        "reputation", "reputational", "image of the school", "look bad", "disrepute",
                   "good name"),
    # One's own good name, as against the school's: "my reputation", the policy's "personal/ professional reputation"
    "own_reputation": (
        "my reputation", "my own reputation", "own reputation", "personal reputation", "professional reputation",
        "my professional reputation", "my own professional reputation", "my personal reputation",
        "reputation as a teacher", "their reputation", "his reputation", "her reputation",
    ),
    "inappropriate": ("inappropriate", "unacceptable", "not acceptable", "not appropriate", "wrong",
                      "appropriate", "acceptable", "misuse", "not ok", "not okay", "ok and not ok",
                      "okay and not okay", "what's ok", "whats ok", "what is ok", "dos and don'ts", "dos and donts",
                      # British for "inappropriate": no order placed ("order" alone is off topic)
                      "out of order", "bang out of order", "out of line", "over the line", "cross the line",
                      "crosses the line", "crossed the line", "overstepped", "overstep the mark", "beyond the pale"),
    "persist": (
        "carry on", "carries on", "carrying on", "keep posting",
        "keeps posting", "keep on", "leave it up", "keep it up", "still posting", "won't stop", "not stop",
        "refuse to comply", "refuses to comply", "refuse", "refuses", "won't comply", "won't remove",
        "won't delete", "won't take", "will not take", "don't remove", "don't delete", "not remove", "persist",
        "again and again", "repeatedly", "ignore the school", "ignores the school",
    ),
    "school_account": (
        "school's own twitter", "school's own facebook", "school's own instagram", "school's own page",
        "school's own account", "school's own social media",
        "the school posted", "school posted", "school has posted", "the school shared", "school shared",
        "the school put",
        "school account", "school accounts", "school page", "school's page", "school facebook", "school's facebook",
        "school twitter", "school's twitter", "school instagram", "school insta", "school fb", "school tiktok",
        "school's social media", "school social media", "schools page", "schools facebook", "school x",
        "school's instagram", "school feed", "official page", "official account", "stokes wood twitter",
        "stokes wood facebook",
    ),
    "admin": (
        "administrator", "administrators", "admin", "admins", "moderator", "moderate", "moderated", "moderation",
        "censor", "censored", "vet", "vetted", "approved users", "runs the page", "run the page",
        "approve", "approves", "in charge of",
    ),
    "afterwards": (
        "afterwards", "what now", "now what", "should i do with", "do i do with", "shall i do with", "must i do with",
        "happens to the photos", "happens to photos", "happens to the pictures", "what do i do with them",
        "what should i do with them",
        "what to do with them", "what happens to them", "what do i do with the photos",
        "what do i do with the pictures",
        "what should i do with the photos", "what should i do with the pictures", "what do i do with the videos",
        "what should i do with the videos", "what do i do with it", "what should i do with it", "once i have taken",
        "after taking", "after i have taken", "after the trip", "after the event", "i have photos", "i have pictures",
        "i have videos", "i have got photos", "i've got photos", "i've got pictures", "still on my phone",
        "need to do with", "have to do with", "supposed to do with", "meant to do with", "do with it now",
        "do with them now", "do with the photo", "do with the video", "still on her phone", "still on his phone",
    ),
    "storage": (
        "transfer", "transferred", "transferring", "school system", "school's system", "school server", "server",
        "shared drive", "onedrive", "google drive", "cloud", "store", "stored", "storing", "save", "saved", "saving",
        "camera roll", "gallery", "hold on to", "move them", "move the photos", "indefinitely", "for ever", "forever",
    ),
    # How long the school itself keeps what it stores: the policy says where staff's pictures go, not for how long
    "retention": (
        "how long does the school keep", "how long do school keep", "how long will the school keep",
        "how long does school keep", "how long do we keep", "how long are photos kept", "how long are pictures kept",
        "how long are they kept", "how long are images kept", "how long is it kept", "retention",
        "retain", "retained", "data retention",
    ),
    "may_i": (
        "can i", "can we", "could i", "am i allowed", "are we allowed", "is it ok", "is it okay", "is it alright",
        "is it acceptable", "is that ok", "is that allowed", "may i", "allowed to", "ok to", "okay to", "alright to",
    ),
    "duty": (
        "expected", "expect", "expects", "my job", "up to me", "whose job", "whose responsibility", "responsibility",
        "responsible for", "duty", "supposed to", "meant to", "obliged",
    ),
    # Whom to take a worry to: "who do I speak to" asks for a person, not about talking to pupils ("message")
    "who_to_ask": (
        "who do i speak to", "who should i speak to", "who can i speak to", "who to speak to", "who do i talk to",
        "who should i talk to", "who can i talk to", "who to talk to", "who do i go to", "who should i go to",
        "who to go to", "who do i complain to", "who should i complain to", "take it up with", "take this up with",
        "take that up with", "who am i supposed to talk to", "who am i supposed to speak to",
        "who am i meant to talk to", "who am i meant to speak to", "who am i actually supposed to talk to",
        "point them towards", "point her towards", "point him towards", "point them to", "send them to",
        "where do i take", "where should i take", "where do i go with", "who is best to speak to",
        "whos best to speak to", "who's best to speak to", "best person to speak to", "right person to speak to",
        "who to raise it with", "who do i raise it with", "who should i raise it with",
    ),
    "disclosure": (
        "told me", "disclosed", "disclose", "disclosure", "confided", "confide", "opened up to me",
        "said something worrying", "something worrying",
    ),
    # School business the policy never mentions. No clause uses this concept, so a question naming one of these
    # carries a token the policy does not know, which pulls every score down; unlike OFF_TOPIC_PHRASES it leaves
    # the words themselves ("email", "report", "phone") free to count when they are the point of the question.
    "school_admin": (
        "left her phone", "left his phone", "left their phone", "lost her phone", "lost his phone", "school office",
        "order the", "order a", "order some", "order photos", "order prints", "order copies", "volunteer on the trip",
        "volunteer on the school trip", "help out on the trip", "come on the trip", "email on my phone",
        "emails on my phone", "set up my email", "school email on", "cover my class", "covers my class",
        "covering my class", "cover for me", "new laptop", "request a new", "laptop is broken", "fix my laptop",
        "what time do", "what time does", "what time is", "what time should", "block someone", "unblock",
        "back up my", "back up photos", "bullied in the", "is being bullied", "being bullied by",
        "bullied by another", "photo orders", "school photos come",
        "school email address", "school's email address", "email address for the school", "school phone number",
        "school's phone number", "phone number for the school", "office phone number", "office email",
        "contact the office", "phone in school", "phones in school", "phone to school", "phones to school",
        "mobile to school", "phone in class", "phone in their bag", "phone in his bag", "phone in her bag",
        "have a phone at school", "phones at school", "bullied at school", "bullied in the playground",
        "bullied in class",
        "being bullied at school", "bullying at school", "bullied on the bus", "bullied at lunch", "go on the trip",
        "going on the trip", "help on the trip", "help on the school trip", "next staff meeting", "school photo day",
        "photo day", "class photo order", "school photos order", "copy of the photo", "when is the next",
        "complaints policy", "complaints procedure form", "profile picture", "profile pic",
        "end of year report", "report card", "reports come out", "progress report", "written report", "reading record",
        "waiting list", "open evening",
        "school run", "music lesson", "music lessons", "speech therapy", "mobile phone policy", "phones in school",
        "bring a phone", "bring his phone", "bring her phone", "bring their phone", "bring a mobile",
        "change my email", "change my address", "change my number", "change my phone number",
        "change my contact details", "change my details", "change of address", "update my details",
        "update my email", "update my address", "update my contact details", "new address", "gates open",
        "birthday cake", "teacher next year", "class next year", "reset my password", "forgot my password",
        "forgotten my password", "report my child absent", "report an absence", "report absence",
        "school office hours", "office opening hours", "phone the office", "ring the office", "email the office",
        "parent portal", "school app login", "book a meeting", "book an appointment", "consent for a trip",
        "trip consent", "trip letter", "permission slip for",
    ),
    # Whether the school will tell the asker of something: the policy says what the school may do, not whom it tells
    "told_of_it": (
        "will the school let me know", "would the school let me know", "will school let me know", "let me know if",
        "will the school tell me", "would the school tell me", "will school tell me", "will you tell me if",
        "would you tell me if", "will i be told", "would i be told", "will i be informed", "would i be informed",
        "will parents be told", "will parents be informed", "inform me if", "notify me", "will i be notified",
        "keep me informed",
    ),
    # Somebody's own account, as against the school's (see "school_account")
    "own_account": (
        "my instagram", "my insta", "my facebook", "my fb", "my twitter", "my tiktok", "my snapchat", "my page",
        "my own page", "my story", "my stories", "my status", "my whatsapp status", "my account", "my own account",
        "my personal account", "my personal page", "my personal facebook", "my personal instagram", "my profile",
        "my feed", "my grid", "my own facebook", "my own instagram", "my own social media", "my social media",
        "my socials", "his facebook", "her facebook", "their facebook", "his page", "her page", "personal account",
        "personal accounts", "personal page", "personal profile", "own account", "own page", "own profile",
    ),
    "not_allowed": (
        "not allowed", "isn't allowed", "aren't allowed", "banned", "forbidden", "prohibited", "against the rules",
        "can't post", "cannot post", "must not", "mustn't", "not permitted", "off limits", "shouldn't post",
        "should not post", "not supposed to", "what isn't",
    ),
    # Who something is given to or shared with: "my number to a parent" and "my number to a pupil" differ only here
    "to_pupil": (
        "to a pupil", "to pupils", "to my pupils", "to a child", "to children", "to the children", "to a kid",
        "to the kids", "to kids", "to a student", "to students", "with a pupil", "with pupils", "with a child",
        "with children", "with the children", "with the kids", "with kids", "with a student", "a pupil have",
        "pupils have", "a child have", "children have", "kids have", "give a pupil", "give pupils", "give a child",
        "give children", "give the kids", "let a pupil", "let a child", "let pupils", "pupil asked", "child asked",
        "pupils asked", "a pupil wants", "a child wants",
    ),
    "to_parent": (
        "to a parent", "to parents", "to the parents", "to a mum", "to a dad", "to families", "to a family",
        "with a parent", "with parents", "with the parents", "with a family", "with families", "with mums",
        "a parent have", "parents have", "give a parent", "give parents", "give a family", "parent asked",
        "a parent wants", "a mum wants", "a dad wants", "parents want",
    ),
    "definition": (
        "count", "counted", "classed as", "class as", "apply to me", "cover me", "include me", "count as", "counts as",
        "mean by", "definition", "include", "includes", "apply to",
                   "applies to", "cover", "covers"),
}

# Forms that mean a second concept as well as their own: to livestream the nativity is to post images of it.
ALSO_MEANS: dict[str, tuple[str, ...]] = {
    **{
        form: ("post",)
        for form in ("live stream", "livestream", "go live", "going live", "stream", "streaming", "broadcast",
                     "broadcasting")
    },
    **{form: ("reputation",) for form in CONCEPTS["own_reputation"]},
    **{form: ("social",) for form in TELL_THE_SITE},
}

# Words that only frame a question or name the setting: never enough, alone, to answer from the policy
# ("how do I report my child absent" mentions a child and reporting but asks something the policy never says).
GENERIC = frozenset(
    {
        "child", "parent", "staff", "head", "school", "policy", "definition", "inappropriate", "social",
        "post", "comment", "message", "event", "learning", "name", "may_i",
        # everyday verbs and fillers: sharing one of these alone says nothing about what was asked
        "tell", "ask", "know", "thing", "stuff", "way", "us", "mak", "tim", "day", "year", "good", "new", "happen",
        "keep", "put", "giv", "tak", "help", "work", "find", "look", "see", "come", "people", "someone",
    }
)

# Everyday school and life matters this policy does not cover, as words or short phrases. A question that
# hinges on one of them ("how do I pay for the trip", "what's the wifi password") is refused unless the clause
# it matched uses that word itself. They are never "corrected" into a policy word ("lunch" stays "lunch").
OFF_TOPIC_PHRASES: tuple[str, ...] = tuple(
    line.strip()
    for line in """
    school place
    school places
    apply for a place
    marketplace
    photo package
    photo packages
    for sale
    selling
    withdraw
    withdrawn
    withdrawing
    withdrawal
    revoke
    revoked
    revoking
    more followers
    get followers
    gain followers
    grow my account
    more likes
    cracked
    repair
    repaired
    get it fixed
    recover
    restore
    filter
    filters
    look better
    sent home
    photocopier
    notification
    absent
    absence
    attendance
    illness
    sick
    poorly
    lunch
    packed lunch
    dinner
    dinners
    menu
    breakfast club
    after school club
    wraparound
    uniform
    jumper
    shoes
    pe kit
    term dates
    term time
    inset
    closed
    closure
    snow
    weather
    parking
    car park
    bus
    admissions
    admission
    reception place
    nursery
    nits
    lice
    homework
    phonics
    maths
    spelling
    sats
    exam
    exams
    results
    parents evening
    fees
    pay for
    payment
    payments
    dinner money
    wifi
    wi-fi
    rota
    timetable
    overtime
    salary
    payslip
    pension
    sick pay
    annual leave
    day off
    time off
    holiday
    holidays
    book a
    booking
    funeral
    joke
    football
    recipe
    boiling point
    spider
    legs
    senco
    sen
    ehcp
    medicine
    medication
    allergy
    allergies
    asthma
    inhaler
    vaccine
    covid
    nut
    nuts
    anti-bullying policy
    behaviour policy
    uniform policy
    attendance policy
    what time does school start
    start time
    finish time
    pick up time
    drop off
    swimming
    school photographer
    lost property
    tuition
    tutoring
    curriculum
    reading book
    head lice
    half term
    inset day
    coat
    coats
    water bottle
    sun cream
    suncream
    sunhat
    book bag
    spellings
    times tables
    eleven plus
    11 plus
    secondary school
    catchment
    appeal
    prospectus
    late
    lateness
    pick up
    picking up
    collect
    collecting
    scooter
    bike
    cycle
    crossing patrol
    zebra crossing
    road crossing
    traffic
    minibus
    taxi
    transport
    raffle
    donation
    donations
    charity
    tickets
    invitation
    invitations
    tuck shop
    snack
    snacks
    fruit
    milk
    parentpay
    parent pay
    school fund
    instrument
    piano
    guitar
    violin
    library
    toilet
    toilets
    first aid
    plaster
    plasters
    graze
    grazed
    nosebleed
    bumped head
    ice pack
    splinter
    bandage
    injury
    injured
    nurse
    doctor
    dentist
    appointment
    appointments
    hospital
    chickenpox
    vomiting
    sickness
    temperature
    fever
    headache
    hay fever
    eczema
    epipen
    diabetes
    dyslexia
    autism
    adhd
    detention
    ppa
    planning time
    marking
    appraisal
    performance management
    cpd
    training course
    payroll
    contract
    contracted hours
    pay rise
    pay scale
    union
    strike
    maternity
    paternity
    sick leave
    photocopier
    printer
    printing
    laminator
    stationery
    lanyard
    fire drill
    fire alarm
    lockdown drill
    evacuation
    risk assessment
    dbs
    fridge
    kettle
    coffee
    timesheet
    expenses
    mileage
    lottery
    horoscope
    movie
    song
    netflix
    television
    mortgage
    flight
    hotel
    restaurant
    shopping
    online shopping
    banking
    online banking
    insured
    insurance
    coursework
    translate
    poem
    essay
    population
    president
    prime minister
    dinosaur
    planet
    charging policy
    medical policy
    first aid policy
    homework policy
    whistleblowing
    equality policy
    exclusion policy
    pay policy
    grievance policy
    staff handbook
    dress code
    register
    enrol
    enroll
    enrolment
    refund
    invoice
    receipt
    cost
    costs
    price
    deadline
    vacancy
    vacancies
    job application
    interview
    reference
    what time
    bring
    special needs
    special educational needs
    cake
    sweets
    reading
    buy
    copy
    copies
    photographer
    notification
    notifications
    install
    download
    invented
    inventor
    playground
    opening hours
    office hours
    lesson plan
    lesson plans
    to order
    order the
    order a
    order some
    order form
    ordering
    place an order
    back up
    backup
    ill
    borrow
    borrowing
    pay
    pays
    paying
    wear
    wearing
    cat
    reset
    password manager
    password expires
    password expiry
    password requirements
    password length
    strong password
    two factor
    2fa
    network password
    editing
    photo editing
    meals
    fsm
    pupil premium
    vegetarian
    halal
    dietary
    packed lunches
    reimburse
    reimbursed
    reimbursement
    projector
    trainers
    blazer
    cardigan
    jewellery
    earrings
    haircut
    hairstyle
    pe day
    sports kit
    childcare
    holiday club
    forest school
    choir
    recorder lessons
    training day
    training days
    break duty
    lunch duty
    key fob
    photocopying
    capital city
    capital of
    opening times
    office opening
    school office phone
    bank details
    pay day
    payday
    class list
    seating plan
    transition day
    moving up day
    christmas holidays
    easter holidays
    summer holidays
    cover lesson
    cover supervisor
    supply cover
    parking permit
    lost my
    """.splitlines()
    if line.strip()
)
OFF_TOPIC = frozenset(w for phrase in OFF_TOPIC_PHRASES for w in phrase.replace("-", " ").split())

GREETINGS = frozenset(
    """
    hi hii hiya hey heya hello hallo howdy yo morning afternoon evening good thanks thank thankyou thx ty ta
    cheers bye goodbye see ya later great lovely brilliant perfect cool nice ok okay okey yes yeah yep no nope
    you so much very many again for the help helpful all there bot policybot sir miss team everyone folks
    dear gm sorry bother quite apologies
    """.split()
)

# A question that sounds like a child may be at risk: whatever the answer, point to the DSLs.
SAFEGUARDING_WORDS = frozenset(
    """
    abuse abused abusing groom grooming groomed harm harming self-harm danger unsafe risk radicalised
    radicalized radicalisation radicalization extremist exploited exploitation nude nudes sexting sextortion
    predator disclose disclosed disclosure neglect suicide suicidal hurt hurting hurts bruise bruises bruised
    injury injuries assault assaulted hits hitting smacked smacks slapped slaps punched punches kicked kicks
    beaten beats strangled choked
    """.split()
)

# The words a question opens with ("can I...", "what should..."): a sentence that opens with none of them and has no
# question mark is a statement (bot.qa.text.asks).
ASKING_WORDS = frozenset(
    """
    can could may should shall what whats how is are do does did will would who whom whose where why when am any
    have has
    """.split()
)

# A message about raising a concern ("how do I report this?", "my child is being bullied online"): whatever the
# policy says, offer the way to report it to the school, anonymously. Safeguarding words count too, and so do a child's
# fear and nasty posts, as a worried parent or carer tells them ("my grandson is scared", "nasty things about Miss S").
CONCERN_WORDS = frozenset(
    """
    report reporting reported concern concerns concerned worried worry worrying worries bully bullied bullies
    bullying cyberbully cyberbullied cyberbullying harass harassed harassing harassment threat threats threatened
    threatening troll trolled trolling blackmail blackmailed stalk stalked stalking safeguarding dsl dsls
    whistleblow whistleblowing
    scared frightened afraid terrified nasty horrible abusive mocking mocked humiliated humiliating
    """.split()
)

# A member of staff in touch with a child online ("his teacher keeps messaging him on Instagram", "one of the TAs
# follows kids in year 6") is a concern about staff conduct, even when it is asked as a question about the rules: the
# message names someone on the staff, a child and a way of being in touch, and the way to report it is offered.
STAFF_WORDS = frozenset(
    """
    teacher teachers ta tas staff head headteacher sir miss mr mrs ms coach assistant caretaker governor tutor
    senco dsl
    """.split()
)
# An adult outside the staff in touch with a child ("a man from the after school club sent her messages", "someone
# online keeps messaging my son") is a safeguarding concern in the same way.
ADULT_WORDS = frozenset(
    """
    man men woman women adult adults stranger strangers someone somebody guy guys
    """.split()
)
# ... or watching one: "a man outside the gate was filming children"
WATCHING_WORDS = frozenset("film films filming filmed photographing photographed recording recorded".split())
# ... or taking pictures of one, said by a stranger's kind ("a strange man was taking pictures of the kids", "bad man
# take photo of children at gate"): not "someone" or "adults", who take photos at every sports day.
PICTURE_WORDS = frozenset("photo photos pic pics picture pictures video videos".split())
STRANGER_WORDS = frozenset("man men woman women stranger strangers strange guy guys".split())
CHILD_WORDS = frozenset(
    """
    son sons daughter daughters child children kid kids pupil pupils student students boy boys girl girls
    grandson grandsons granddaughter granddaughters grandchild grandchildren grandkid grandkids nephew nephews niece
    nieces stepson stepdaughter
    """.split()
)
CONTACT_WORDS = frozenset(
    """
    message messages messaged messaging text texts texted texting dm dms dming dmed dmd chat chats chatted chatting
    follow follows followed following friend friended friends request requests requested add added adding contact
    contacts contacted contacting comment comments commented commenting like likes liked liking snapchat whatsapp
    call calls called calling facetime facetimed
    """.split()
)
# Words that make #friend the act of befriending ("follow them", "a friend request", "accept"), not a friend as a
# person ("can I bring a friend?"): see bot.qa.index.BEFRIENDING_FACTOR.
BEFRIENDING_WORDS = frozenset(
    "follow follows followed following follower followers request requests accept accepted befriend subscribe "
    "connect".split()
)
