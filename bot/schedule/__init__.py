"""The policy's scheduled side: annual reviews, acknowledgement campaigns, and the policy's own reminders
(photos on personal phones, leavers' passwords). `core.schedule` (service.py) is the entry point; `run_due()`
decides from the database what is due now, so the scheduler can call it any number of times.
"""

from bot.schedule.common import ScheduleError

__all__ = ["ScheduleError"]
