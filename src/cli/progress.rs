//! Progress of a convert: a bar on a terminal, plain lines otherwise, none
//! with --quiet; and Ctrl-C, which cancels through the library's progress
//! callback so the temporary output is removed before the tool exits.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A plain progress line at least every this many percent...
const LINE_STEP_PERCENT: u64 = 10;
/// ...or after this long without one.
const LINE_INTERVAL: Duration = Duration::from_secs(5);

enum Display {
    Bar(ProgressBar),
    Lines { label: String, last_percent: u64, last_time: Instant },
    Quiet,
}

pub struct Progress {
    display: Display,
    /// Output bytes per batch, so the bar counts bytes.
    bytes_per_batch: u64,
    total_bytes: u64,
    interrupted: Arc<AtomicBool>,
}

impl Progress {
    /// `label` names the job in plain lines; the bar counts `total_bytes`
    /// of output, `bytes_per_batch` at a time.
    pub fn new(label: String, quiet: bool, total_bytes: u64, bytes_per_batch: u64) -> Progress {
        let display = if quiet {
            Display::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}")
                .expect("a valid template")
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label);
            Display::Bar(bar)
        } else {
            Display::Lines { label, last_percent: 0, last_time: Instant::now() }
        };
        Progress { display, bytes_per_batch, total_bytes, interrupted: interrupt_flag() }
    }

    /// The library's progress callback: `done` of `total` batches. Returns
    /// true (cancel) once Ctrl-C was pressed.
    pub fn update(&mut self, done: u64, total: u64) -> bool {
        match &mut self.display {
            Display::Bar(bar) => bar.set_position(done.saturating_mul(self.bytes_per_batch).min(self.total_bytes)),
            Display::Lines { label, last_percent, last_time } => {
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                if done == total || percent >= *last_percent + LINE_STEP_PERCENT || last_time.elapsed() >= LINE_INTERVAL {
                    crate::print::err(&format!("{label}: {percent}% ({done} of {total} {})", if total == 1 { "batch" } else { "batches" }));
                    *last_percent = percent;
                    *last_time = Instant::now();
                }
            }
            Display::Quiet => {}
        }
        self.interrupted.load(Ordering::Relaxed)
    }

    /// Clears the bar (the summary follows).
    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}

/// The flag Ctrl-C sets. The first Ctrl-C asks the convert to stop (the
/// library then removes its temporary output); a second one exits at once.
fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let set = flag.clone();
        // Without a handler (it cannot be installed) Ctrl-C ends the process
        // as usual: the output is still absent, only its temporary file stays
        // until the next convert to that output removes it.
        let _ = ctrlc::set_handler(move || {
            if set.swap(true, Ordering::Relaxed) {
                crate::print::err("neurobatch: interrupted again; exiting now");
                std::process::exit(crate::exit::INTERRUPTED as i32);
            }
            crate::print::err("neurobatch: interrupted; stopping after the current batch and removing the partial output (Ctrl-C again to exit at once)");
        });
        flag
    })
    .clone()
}
