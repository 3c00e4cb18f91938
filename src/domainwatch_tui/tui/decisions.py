"""The decision flow of the dashboard: preview (in a thread) → modal → decide (in a thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domainwatch_tui.core.decisions import DecisionPreview, PolicyError, decide, preview_decision
from domainwatch_tui.tui.screens.modals import DecisionModal, DecisionRequest

if TYPE_CHECKING:
    from domainwatch_tui.tui.app import DomainwatchApp


def start_decision(app: DomainwatchApp, domain: str, action: str) -> None:
    """Show what `action` would do on `domain`, ask for the reason, then record it."""
    if app.read_only:
        app.notify("Read-only: decisions are disabled.", severity="warning")
        return
    settings = app.config.policy()

    def fetch() -> None:
        try:
            with app.open_store() as store:
                preview = preview_decision(store, domain, action, settings=settings)
        except PolicyError as exc:
            app.call_from_thread(app.notify, exc.message, severity="error")
            return
        except Exception as exc:
            app.call_from_thread(app.report_failure, f"preparing the {action}", exc)
            return
        app.call_from_thread(ask, preview)

    def ask(preview: DecisionPreview) -> None:
        app.push_screen(DecisionModal(preview, now=app.clock()), lambda req: record(preview, req))

    def record(preview: DecisionPreview, request: DecisionRequest | None) -> None:
        if request is None:
            return

        def write() -> None:
            try:
                with app.open_store() as store:
                    result = decide(store, domain, action, operator=app.operator, reason=request.reason,
                                    until=request.until, force=request.force, now=app.clock(),
                                    settings=settings)
            except PolicyError as exc:
                app.call_from_thread(app.notify, exc.message, title="Refused", severity="error", timeout=8)
                return
            except Exception as exc:
                app.call_from_thread(app.report_failure, f"recording the {action}", exc)
                return
            app.touch([domain])
            n = result.emails
            plural = "es" if n != 1 else ""
            ids = ", ".join(map(str, result.decision_ids))
            note = f"{action.capitalize()} recorded on {domain}: {n:,} address{plural} (decision {ids})."
            app.call_from_thread(app.notify, note)

        app.run_worker(write, thread=True, group="decide", exit_on_error=False)

    app.run_worker(fetch, thread=True, group="decide-preview", exit_on_error=False)
