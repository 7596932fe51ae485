"""A notice with a deadline starts it once served: in the e-box (`notice.served`) or on paper
(`paper_service.recorded`)."""

from ejustice_notification.common import settled
from ejustice_notification.deadlines import service
from ejustice_notification.notices import service as notices
from ejustice_notification.outages import service as outages
from ejustice_notification.paper import service as paper
from ejustice_shared.events import Envelope, NoticeServed, PaperServiceRecorded
from ejustice_shared.runtime import ServiceRuntime


async def on_notice_served(runtime: ServiceRuntime, envelope: Envelope, event: NoticeServed) -> None:
    if settled(runtime).take(service.none_key(event.notice_id)):  # its batch knew it has none
        return
    # What a notice says never changes: the copy this process holds will do.
    notice = (await notices.aggregate.load(runtime.commits, event.notice_id, fresh=False)).state
    if notice is not None and notice.deposited.content.deadline_days:
        await service.start(runtime, notice_id=event.notice_id, served_at=event.served_at,
                            content=notice.deposited.content, cause=envelope.id,
                            outages=await outages.confirmed_windows(runtime))


async def on_paper_recorded(runtime: ServiceRuntime, envelope: Envelope, event: PaperServiceRecorded) -> None:
    if event.outcome != "served" or not event.served_at:
        return
    opened = await paper.opened(runtime, event.task_id)
    if opened is not None and opened.content.deadline_days:
        await service.start(runtime, notice_id=event.task_id, served_at=event.served_at, content=opened.content,
                            cause=envelope.id, outages=await outages.confirmed_windows(runtime))
