"""What people say, mapped to what the policy means: the concept lexicon of the question answerer.

Parents and staff say "pics on insta", the policy says "images on social networking sites". Each concept below
lists surface forms (words or short phrases, matched after folding and stemming, longest phrase first); every
form becomes the concept token, on both the question side and the policy side. Add forms here when a real
question used a word the bot did not know (`policybot policy gaps`).
"""

from __future__ import annotations

CONCEPTS: dict[str, tuple[str, ...]] = {
    "image": (
        "image", "photo", "photograph", "photography", "pic", "piccy", "piccies", "pik", "picture", "foto",
        "selfie", "selfy", "selfies", "video", "vid", "film", "filming", "footage", "recording", "record",
        "camera", "clip", "reel", "snapshot", "photoshoot", "pictur",
    ),
    "social": (
        "social media", "social network", "social networking", "social networking site", "social network site",
        "social medium", "socials", "facebook", "fb", "face book", "insta", "instagram", "ig", "twitter",
        "tweet", "tweeting", "tiktok", "tik tok", "snapchat", "snap chat", "whatsapp", "whats app", "youtube",
        "you tube", "linkedin", "reddit", "mumsnet", "threads", "messenger", "bluesky", "pinterest", "discord",
        "online", "on line", "on-line", "internet", "internet site", "web", "social networking/internet site",
        "social media/internet site", "group chat", "x formerly twitter", "story", "stories", "feed", "profile",
        "page", "grid", "platform",
    ),
    "message": (
        "message", "messaging", "dm", "direct message", "pm", "private message", "inbox", "text", "texting",
        "whatsapp", "chat", "communicate", "communication", "contact", "talk to", "speak to", "email", "e-mail",
        "correspond", "send",
    ),
    "post": (
        "post", "posting", "upload", "share", "put up", "put", "publish", "stick", "repost", "retweet", "tag",
        "add posts",
    ),
    "comment": ("comment", "remark", "reply", "respond", "statement", "view", "opinion", "say", "write"),
    "negative": (
        "negative", "nasty", "rude", "offensive", "abusive", "abuse", "mean", "horrible", "bad", "moan",
        "moaning", "rant", "vent", "whinge", "grumble", "slag", "slag off", "slate", "trash", "bad mouth",
        "badmouth", "diss", "criticise", "criticize", "criticism", "insult", "derogatory", "bitch", "having a go",
        "have a go", "kick off", "name and shame", "attack", "unkind",
    ),
    "complaint": ("complaint", "complain", "grievance", "complaining"),
    "concern": (
        "concern", "worry", "worried", "problem", "issue", "unhappy", "not happy", "upset", "raise",
        "frustration", "frustrated", "annoyed", "angry", "fed up", "cross", "furious",
    ),
    "defamation": (
        "defamatory", "defamation", "defame", "libel", "libellous", "libelous", "slander", "lie", "lies",
        "untrue", "false", "rumour", "rumor", "made up",
    ),
    "allegation": ("allegation", "allege", "accuse", "accusation", "accusing"),
    "bully": ("bully", "bullying", "cyberbullying", "cyber bullying", "cyber-bullying", "troll", "trolling",
              "picking on", "pick on"),
    "racism": ("racist", "racism", "racial", "race", "hate speech", "discrimination", "homophobic"),
    "threat": ("threat", "threaten", "threatening", "violence", "violent", "hurt", "beat up", "kill"),
    "extremism": (
        "extremism", "extremist", "extreme", "radical", "radicalise", "radicalize", "radicalisation",
        "radicalization", "terror", "terrorism", "terrorist", "prevent", "channel referral",
    ),
    "dsl": ("designated safeguarding lead", "designated safeguarding leads", "dsl", "dsls",
            "safeguarding lead", "safeguarding leads"),
    "safeguarding": ("safeguarding", "safeguard", "child protection", "keep children safe", "keeping children safe"),
    "values": (
        "british values", "democracy", "rule of law", "individual liberty", "liberty", "tolerance", "tolerant",
        "faith", "religion", "religious", "belief", "beliefs", "mutual respect", "modern britain",
    ),
    "friend": (
        "friend", "friend request", "friends request", "add", "added", "follow", "follower", "following",
        "befriend", "connect", "connection", "accept", "follow request", "friended", "friending", "mate",
    ),
    "reject": ("reject", "decline", "refuse the request", "ignore", "ignoring", "say no", "turn down", "deny"),
    "expupil": (
        "ex pupil", "ex-pupil", "expupil", "former pupil", "old pupil", "past pupil", "ex student",
        "former student", "pupils who have left", "alumni", "left the school", "ex-pupils",
    ),
    "child": (
        "child", "children", "kid", "kids", "kiddo", "pupil", "student", "son", "daughter", "boy", "girl",
        "learner", "young person", "young people", "child/ren", "year 6", "class",
    ),
    "parent": ("parent", "mum", "mom", "mam", "dad", "mother", "father", "carer", "parent/carer", "mums"),
    "relative": (
        "relative", "grandparent", "grandma", "grandad", "grandpa", "granny", "nan", "nana", "aunt", "auntie",
        "aunty", "uncle", "cousin", "step-parent", "step parent", "stepmum", "step mum", "stepdad", "step dad",
        "guardian", "foster", "family", "family member", "childminder", "sibling", "brother", "sister",
        "partner", "boyfriend", "girlfriend", "husband", "wife",
    ),
    "staff": (
        "staff", "teacher", "member of staff", "staff member", "ta", "teaching assistant", "employee", "tutor",
        "lunchtime supervisor", "dinner lady", "teachers",
    ),
    "head": ("headteacher", "head teacher", "head", "headmaster", "headmistress", "principal", "deputy head",
             "boss", "senior leader", "slt"),
    "colleague": ("colleague", "coworker", "co-worker", "workmate", "fellow teacher"),
    "governor": ("governor", "trustee", "governing body"),
    "volunteer": ("volunteer", "voluntary", "parent helper", "helper", "unpaid"),
    "phone": ("phone", "mobile", "iphone", "smartphone", "android", "cell", "mobile phone", "own device",
              "personal device", "my device"),
    "equipment": ("equipment", "ipad", "tablet", "laptop", "computer", "pc", "device", "chromebook",
                  "school device", "whiteboard", "desktop"),
    "contact_details": (
        "phone number", "mobile number", "number", "contact details", "email address", "telephone number",
        "mobile telephone number", "home address", "address", "personal email", "contact info", "digits",
    ),
    "police": ("police", "arrest", "arrested", "criminal", "crime", "copper", "cop"),
    "legal": ("legal", "sue", "sued", "court", "lawyer", "solicitor", "legal action", "litigation", "lawsuit"),
    "remove": ("remove", "removal", "delete", "take down", "taken down", "take it down", "erase", "wipe"),
    "consent": ("consent", "consent form", "permission slip", "opt out", "opt in", "withdraw"),
    "password": ("password", "passwords", "login", "log in", "logins", "credentials", "account access",
                 "passcode"),
    "leave": ("leave", "leaving", "leaver", "quit", "resign", "new job", "moving on", "last day"),
    "private": ("private", "privacy", "privacy settings", "locked", "lock", "locked down", "hidden", "public",
                "settings"),
    "logo": ("logo", "badge", "crest", "brand", "branding", "emblem"),
    "confidential": ("confidential", "sensitive", "business-sensitive", "secret", "gdpr", "data protection",
                     "personal data", "internal", "staff meeting"),
    "security": ("security", "door code", "alarm", "keypad", "entrance", "building"),
    "blog": ("blog", "blogging", "vlog", "vlogging", "blogger", "youtube channel", "podcast", "journal"),
    "review": ("review", "reviewed", "update", "updated", "revise", "revised", "renew", "annually", "every year",
               "annual", "how often"),
    "adopted": ("adopted", "written", "date", "dated", "april 2022", "2022", "how old", "issued", "version"),
    "consequence": (
        "consequence", "happen", "happens", "sanction", "punishment", "punish", "repercussion", "trouble",
        "penalty", "outcome", "in trouble",
    ),
    "discipline": ("disciplinary", "discipline", "disciplined", "sacked", "fired", "dismissed", "dismissal",
                   "lose my job", "lose job", "gross misconduct", "misconduct"),
    "investigate": ("investigate", "investigation", "investigated", "look into", "looked into"),
    "breach": ("breach", "break", "breaking", "broke", "broken", "breaches", "breach of policy", "go against",
               "misuse", "violate", "breaching"),
    "block": ("block", "blocked", "ban", "banned from", "restrict", "restricted", "barred", "kick out",
              "kicked out", "removed from"),
    "warning": ("warning", "warn", "letter", "in writing", "written warning"),
    "meeting": ("meeting", "meet", "called in", "sit down with"),
    "monitor": ("monitor", "check", "supervise", "supervision", "keep an eye", "watch", "track",
                "screen time", "parental controls", "oversee", "look at"),
    "schoolname": ("school name", "school's name", "name of the school", "where i work", "work at",
                   "stokes wood", "school's name, logo"),
    "name": ("name", "naming", "identify", "named"),
    "forum": ("forum", "school website", "message board", "comment section"),
    "host": ("host", "provider", "host/provider", "site owner", "the site", "meta"),
    "equip_personal": ("personal equipment", "own phone", "my phone", "personal phone", "my own phone",
                       "my mobile", "own mobile"),
    "outside_work": ("outside work", "outside of work", "at home", "in my own time", "weekend",
                     "evening", "personal time", "outside school", "outside of school"),
    "at_work": ("at work", "during work", "school day", "in school", "lunch break", "work hours", "in class"),
    "fraud": ("identity fraud", "identity theft", "fraud", "scam", "hack", "hacked", "hacker"),
    "personal_info": ("personal information", "personal info", "private life", "personal life",
                      "personal details", "about myself"),
    "publicity": ("publicity", "promotion", "promote", "marketing", "advertise", "advert"),
    "event": (
        "event", "nativity", "sports day", "school play", "play", "concert", "assembly", "disco", "fair",
        "fete", "trip", "performance", "show", "christmas show", "carol service", "parade", "school event",
        "residential", "party", "prom", "leavers assembly",
    ),
    "transparent": ("transparent", "open to scrutiny", "scrutiny", "open", "visible"),
    "learning": ("learning", "achievement", "education", "lesson"),
    "feedback": ("feedback", "suggestion", "review of the school", "rating", "compliment", "praise"),
    "reputation": ("reputation", "reputational", "image of the school", "look bad", "disrepute",
                   "good name"),
    "inappropriate": ("inappropriate", "unacceptable", "not acceptable", "not appropriate", "wrong",
                      "appropriate", "acceptable", "misuse"),
    "definition": ("count as", "counts as", "mean by", "definition", "include", "includes", "apply to",
                   "applies to", "cover", "covers"),
}

# Words that only frame a question or name the setting: never enough, alone, to answer from the policy
# ("how do I report my child absent" mentions a child and reporting but asks something the policy never says).
GENERIC = frozenset(
    {
        "child", "parent", "staff", "head", "school", "policy", "definition", "inappropriate", "social",
        "post", "comment", "message", "concern", "event", "learning", "name",
    }
)

# Everyday school and life matters this policy does not cover, as words or short phrases. A question that
# hinges on one of them ("how do I pay for the trip", "what's the wifi password") is refused unless the clause
# it matched uses that word itself. They are never "corrected" into a policy word ("lunch" stays "lunch").
OFF_TOPIC_PHRASES: tuple[str, ...] = tuple(
    line.strip()
    for line in """
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
    supply teacher
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
    """.splitlines()
    if line.strip()
)
OFF_TOPIC = frozenset(w for phrase in OFF_TOPIC_PHRASES for w in phrase.replace("-", " ").split())

GREETINGS = frozenset(
    """
    hi hii hiya hey heya hello hallo howdy yo morning afternoon evening good thanks thank thankyou thx ty ta
    cheers bye goodbye see ya later great lovely brilliant perfect cool nice ok okay okey yes yeah yep no nope
    you so much very many again for the help helpful all there bot policybot sir miss team everyone folks
    dear gm
    """.split()
)

# A question that sounds like a child may be at risk: whatever the answer, point to the DSLs.
SAFEGUARDING_WORDS = frozenset(
    """
    abuse abused abusing groom grooming groomed harm harming self-harm danger unsafe risk radicalised
    radicalized radicalisation radicalization extremist exploited exploitation nude nudes sexting sextortion
    predator disclose disclosed disclosure neglect suicide suicidal
    """.split()
)
