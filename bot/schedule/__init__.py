"""The policy's scheduled side: annual reviews, acknowledgement campaigns, the policy's own reminders (photos on
personal phones, leavers' passwords), and the school's listed holidays running out (term.py). `core.schedule`
(service.py) is the entry point; `run_due()` decides from the database what is due now, so the scheduler can call it
any number of times.
"""

from bot.schedule.common import ScheduleError

__all__ = ["ScheduleError"]
