"""Executing a plan: every ffmpeg process of a build, run by one executor, into the cache.

The `Executor` is the only way the pipeline starts ffmpeg (renditions, stills, the loudness
passes): it logs each command at debug level (`--verbose` shows them), puts the command in the
error when ffmpeg fails, and takes an injectable runner, so tests can count or refuse every
process. Jobs run in parallel threads (ffmpeg does the work); a job that needs another's
output (a smart cut, the HLS packaging: both read a full-length rendition) starts once that is
in the cache, and is skipped, with its reason, when that failed. Each job's outputs go into the
cache only when all of them are finished, through atomic renames, so a failed or killed encode
leaves nothing half-written behind.

A build stopped while it encodes (Ctrl+C, or SIGTERM, which `newsreel` turns into the same
stop) starts no more jobs and kills the encodes under way (`Executor.stop`): it used to wait for
them, and then run every job queued behind them, minutes of encoding after a Ctrl+C, since the
processes started after the terminal's signal never got it.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from newsreel.media import encode
from newsreel.media.assemble import run_smart_job
from newsreel.media.cache import MediaCache
from newsreel.media.errors import MediaError, problem
from newsreel.media.manifests import FULL
from newsreel.media.measure import measure_file
from newsreel.media.plan import Job, PlannedOutput
from newsreel.media.stream import run_stream_job
from newsreel.progress import SILENT, Reporter

logger = logging.getLogger(__name__)
Progress = Callable[[float], None]


class Executor:
    """Runs ffmpeg commands: logged, with the command shown when one fails."""

    def __init__(self, exe: str, runner: encode.Runner | None = None):
        self.exe = exe
        self.runner = runner or encode.run
        self.stopped = False

    def stop(self) -> None:
        """Start no more commands, and kill those under way (the build is stopping)."""
        self.stopped = True
        encode.stop_running()

    def __call__(
        self, args: list[str], duration_ms: int | None = None, on_progress: Progress | None = None
    ) -> str:
        command = shlex.join(args)
        if self.stopped:
            raise encode.EncodeError(f"not started: the build is stopping (command: {command})")
        logger.debug("ffmpeg: %s", command)
        try:
            return self.runner(args, duration_ms, on_progress)
        except encode.EncodeError as error:
            logger.debug("ffmpeg failed: %s", error)
            raise encode.EncodeError(f"{error} (command: {command})") from None


def run_jobs(
    jobs: list[Job],
    cache: MediaCache,
    executor: Executor,
    workers: int,
    reporter: Reporter = SILENT,
) -> None:
    """Run every job, `workers` at a time; MediaError naming each job that failed."""
    if not jobs:
        return
    total_ms = sum(job.duration_ms for job in jobs)
    reporter.start("media", f"Encoding {len(jobs)} jobs", total_ms)
    done: dict[int, float] = {}

    def one(number: int, job: Job) -> None:
        task = f"media-job-{number}"
        reporter.start(task, job.describe(), 1.0 if job.kind != "still" else None)

        def report(fraction: float) -> None:
            reporter.update(task, fraction)
            done[number] = fraction * job.duration_ms
            reporter.update("media", sum(done.values()))

        try:
            run_job(job, cache, executor, report)
        finally:
            reporter.finish(task)

    errors: list = []
    try:
        _schedule(jobs, cache, workers, one, errors, executor.stop)
    finally:
        reporter.finish("media")
    if errors:
        raise MediaError(errors)


def _schedule(
    jobs: list[Job], cache: MediaCache, workers: int, one, errors: list, stop: Callable[[], None]
) -> None:
    """Run each job once what it needs is in the cache; longest first among the ready ones.
    Interrupted (Ctrl+C, SIGTERM), it drops the queued jobs and `stop`s those under way."""
    produced_by = {o.key: job for job in jobs for o in job.outputs}
    waiting = sorted(enumerate(jobs), key=lambda item: -item[1].duration_ms)
    failed: set[str] = set()
    running: dict[Future, tuple[int, Job]] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        try:
            while waiting or running:
                for number, job in list(waiting):
                    blocked = [k for k in job.needs if k in produced_by and cache.get(k) is None]
                    if any(k in failed for k in blocked):
                        waiting.remove((number, job))
                        failed.update(o.key for o in job.outputs)
                        errors.append(_problem(job, "not made: a rendition it is made from failed"))
                    elif not blocked:
                        waiting.remove((number, job))
                        running[pool.submit(one, number, job)] = (number, job)
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    _, job = running.pop(future)
                    try:
                        future.result()
                    except encode.EncodeError as error:
                        failed.update(o.key for o in job.outputs)
                        errors.append(_problem(job, f"ffmpeg failed: {error}"))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # the queued jobs
            under_way = [future for future in running if not future.cancelled()]
            stop()  # again until every job has ended: one may start its next command meanwhile
            while wait(under_way, timeout=0.2).not_done:
                stop()
            raise


def _problem(job: Job, message: str):
    return problem(
        job.manifest.path, f"cut {job.cut.id}", message, "check the source and the presets"
    )


def run_job(
    job: Job, cache: MediaCache, executor: Executor, on_progress: Progress | None = None
) -> None:
    """Encode one job's outputs into the cache (through scratch files, atomically)."""
    first = job.outputs[0]
    produced: list[tuple[PlannedOutput, Path]] = []
    exe = executor.exe
    if job.kind == "smart":
        return run_smart_job(job, cache, executor, on_progress)
    if job.kind == "stream":
        return run_stream_job(job, cache, executor, on_progress)
    try:
        if job.kind == "still":  # the cut's stills share their frame: one decode for all
            for output in job.outputs:
                produced.append((output, cache.scratch_file(output.key, output.preset.extension)))
            at = first.still_at_ms or 0
            stills = [(output.preset, path) for output, path in produced]
            command = encode.still_command(exe, job.source, at, stills, job.colour)
            executor(command, None, on_progress)
        else:
            duration = None if job.cut.id == FULL else first.out_ms - first.in_ms
            outputs = []
            for output in job.outputs:
                measured = None
                if output.preset.loudness and not job.silent:
                    command = encode.loudness_command(
                        exe, job.source, output.preset, output.in_ms, duration, job.paired
                    )
                    measured = encode.measure_loudness(command, executor)
                path = cache.scratch_file(output.key, output.preset.extension)
                outputs.append(encode.Output(output.preset, path, measured, output.scaled_from))
                produced.append((output, path))
            silent_ms = first.out_ms - first.in_ms if job.silent else None
            command = encode.rendition_command(
                exe, job.source, outputs, first.in_ms, duration, job.fps, silent_ms,
                first.out_ms - first.in_ms, job.colour, job.paired,
            )  # fmt: skip
            executor(command, first.out_ms - first.in_ms, on_progress)
        for output, path in produced:
            cache.put(output.key, path, measure_file(output, path))
    finally:
        for _, path in produced:
            path.unlink(missing_ok=True)
