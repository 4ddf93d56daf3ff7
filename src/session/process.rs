//! The Chromium process itself: spawned by us (not by chromiumoxide) so that it can never outlive
//! the daemon, found and ended when an earlier run left one behind, and measured for /metrics.
//!
//! Three guards, because each alone has a gap:
//! - `PR_SET_PDEATHSIG(SIGKILL)` in a pre-exec hook: the kernel kills the browser when the
//!   daemon dies in any way (SIGKILL, panic, OOM killer). It fires when the *thread* that forked
//!   exits, so every browser is forked by one launcher thread that lives as long as the process.
//! - A process group of its own: closing a session kills the whole tree (zygote, renderers),
//!   not just the main process.
//! - [`end_orphans`] at boot: anything that still holds one of our profiles (e.g. left by a
//!   build without these guards, or a host that froze) is killed before sessions are restored.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

/// A running (or exited) Chromium that we spawned, leader of its own process group.
pub struct ChromiumProcess {
    pid: i32,
    exited: watch::Receiver<Option<ExitStatus>>,
}

type SpawnRequest = (Command, oneshot::Sender<std::io::Result<Child>>);

/// The one thread that forks browsers; it never exits, so PDEATHSIG only fires with the process.
fn launcher() -> &'static std_mpsc::Sender<SpawnRequest> {
    static LAUNCHER: OnceLock<std_mpsc::Sender<SpawnRequest>> = OnceLock::new();
    LAUNCHER.get_or_init(|| {
        let (tx, rx) = std_mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("chromium-launcher".into())
            .spawn(move || {
                for (mut command, reply) in rx {
                    // The asker gave up (its start was cancelled): end what we just spawned.
                    if let Err(Ok(mut child)) = reply.send(command.spawn()) {
                        // SAFETY: plain syscall on the group of a child we have not reaped.
                        unsafe {
                            libc::kill(-(child.id() as i32), libc::SIGKILL);
                        }
                        let _ = child.wait();
                    }
                }
            })
            .expect("the launcher thread starts");
        tx
    })
}

impl ChromiumProcess {
    /// Spawns `program args...` and waits (up to `timeout`) for the DevTools WebSocket URL it
    /// prints on stderr. The process is killed if that fails.
    pub async fn spawn(
        program: &Path,
        args: &[String],
        timeout: Duration,
    ) -> Result<(ChromiumProcess, String), String> {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls (prctl, getppid, raise) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                // The daemon died between fork and prctl: nobody would kill us later.
                if libc::getppid() != parent {
                    libc::raise(libc::SIGKILL);
                }
                Ok(())
            });
        }
        let (reply, spawned) = oneshot::channel();
        launcher()
            .send((command, reply))
            .map_err(|_| "the launcher thread is gone".to_string())?;
        let mut child = spawned
            .await
            .map_err(|_| "the launcher thread is gone".to_string())?
            .map_err(|e| format!("failed to launch Chromium ({}): {e}", program.display()))?;

        let stderr = child.stderr.take().expect("stderr is piped");
        let (url_tx, url_rx) = oneshot::channel::<String>();
        let (exited_tx, exited) = watch::channel(None);
        let process = ChromiumProcess {
            pid: child.id() as i32,
            exited,
        };
        // Reads stderr up to the DevTools line and keeps draining it (a full pipe blocks
        // Chromium), then reaps the child so it never lingers as a zombie.
        std::thread::Builder::new()
            .name(format!("chromium-{}", process.pid))
            .spawn(move || {
                let mut url_tx = Some(url_tx);
                let mut tail = Vec::new();
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(ws) = devtools_url(&line)
                        && let Some(tx) = url_tx.take()
                    {
                        let _ = tx.send(ws);
                        continue;
                    }
                    if url_tx.is_some() && tail.len() < 20 {
                        tail.push(line);
                    } else {
                        tracing::trace!(target: "chromium", "{line}");
                    }
                }
                if url_tx.is_some() {
                    tracing::warn!(stderr = %tail.join("\n"), "Chromium exited before listening");
                }
                let status = child.wait().ok();
                let _ = exited_tx.send(status);
            })
            .map_err(|e| format!("cannot start a reader thread: {e}"))?;

        match tokio::time::timeout(timeout, url_rx).await {
            Ok(Ok(url)) => Ok((process, url)),
            Ok(Err(_)) => Err("Chromium exited before it was ready".into()),
            Err(_) => {
                process.kill_tree();
                Err("Chromium did not start in time".into())
            }
        }
    }

    /// The browser's main process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    pub fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// SIGKILL to the whole process group (browser, zygote, renderers).
    pub fn kill_tree(&self) {
        // Once the leader is reaped and no member is left, the group id is free for reuse by an
        // unrelated process: leave it alone then.
        if self.has_exited() && group_members(self.pid).is_empty() {
            return;
        }
        // SAFETY: plain syscall; a negative pid addresses our own process group, which stays
        // reserved while any member lives.
        unsafe {
            libc::kill(-self.pid, libc::SIGKILL);
        }
    }

    /// Waits until the main process exited; `false` on timeout.
    pub async fn wait_exit(&self, timeout: Duration) -> bool {
        let mut exited = self.exited.clone();
        tokio::time::timeout(timeout, exited.wait_for(Option::is_some))
            .await
            .is_ok()
    }

    /// Proportional set size of the whole tree in bytes (falls back to RSS where PSS is not
    /// readable): what the session's browser costs.
    pub fn memory_bytes(&self) -> u64 {
        tree_memory(self.pid())
    }
}

impl Drop for ChromiumProcess {
    fn drop(&mut self) {
        // Like kill_on_drop, for the whole group: a handle lost on an error path ends its tree.
        self.kill_tree();
    }
}

/// Memory (PSS, else RSS) of every process in process group `pgid`, in bytes.
pub fn tree_memory(pgid: u32) -> u64 {
    group_members(pgid as i32).into_iter().map(memory_of).sum()
}

/// The `ws://...` URL of a "DevTools listening on ws://..." stderr line.
fn devtools_url(line: &str) -> Option<String> {
    let (_, ws) = line.rsplit_once("listening on ")?;
    let ws = ws.trim();
    (ws.starts_with("ws") && ws.contains("devtools/browser")).then(|| ws.to_owned())
}

/// Processes whose process group is `pgid`.
/// Whether a process group still has members (cluster mode kills a browser's group by it).
pub fn group_alive(pgid: i32) -> bool {
    !group_members(pgid).is_empty()
}

fn group_members(pgid: i32) -> Vec<i32> {
    all_pids()
        .filter(|&pid| stat_field(pid, 5).is_some_and(|g| g == pgid as i64))
        .collect()
}

fn all_pids() -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
}

/// Field `n` (1-based, as in proc(5)) of /proc/<pid>/stat, read after the command name.
fn stat_field(pid: i32, n: usize) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(n - 3)?.parse().ok()
}

fn memory_of(pid: i32) -> u64 {
    let field = |file: &str, key: &str| {
        let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
        let line = text.lines().find(|l| l.starts_with(key))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    };
    field("smaps_rollup", "Pss:")
        .or_else(|| field("status", "VmRSS:"))
        .unwrap_or(0)
}

/// Chromium processes using `profile` as their user data dir (main, zygote and renderers).
pub fn holding_profile(profile: &Path) -> Vec<i32> {
    let flag = format!("--user-data-dir={}", profile.display());
    all_pids()
        .filter(|&pid| {
            let is_chromium = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim().starts_with("chrom"));
            is_chromium
                && std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|raw| raw.split(|b| *b == 0).any(|arg| arg == flag.as_bytes()))
        })
        .collect()
}

/// Kills every Chromium that holds one of the profiles under `sessions_path` (left by an
/// earlier run on this host) and waits for them to go, so their sessions can be restored.
pub async fn end_orphans(sessions_path: &Path) {
    let Ok(root) = sessions_path.canonicalize() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(&root) else {
        return;
    };
    let mut orphans = Vec::new();
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("session-") {
            orphans.extend(holding_profile(&entry.path()));
        }
    }
    if orphans.is_empty() {
        return;
    }
    tracing::warn!(
        count = orphans.len(),
        "ending Chromium processes left holding session profiles by an earlier run"
    );
    kill_and_wait(&orphans).await;
}

/// Kills every Chromium on this host holding one profile and waits for them to go. Cluster
/// mode calls it under the session's lease, which proves no live node runs that browser.
pub async fn end_holders(profile: &Path) {
    let holders = holding_profile(profile);
    if !holders.is_empty() {
        tracing::warn!(profile = %profile.display(), count = holders.len(), "ending a Chromium left on the profile");
        kill_and_wait(&holders).await;
    }
}

async fn kill_and_wait(orphans: &[i32]) {
    for &pid in orphans {
        // SAFETY: plain syscall on a pid just verified to be Chromium on one of our profiles.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while orphans
        .iter()
        .any(|pid| Path::new(&format!("/proc/{pid}/cmdline")).exists() && is_alive(*pid))
    {
        if tokio::time::Instant::now() > deadline {
            tracing::error!("Chromium processes of an earlier run did not exit");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Alive and not a zombie waiting for its (foreign) parent.
pub fn is_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let state = s[s.rfind(')')? + 2..].chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_devtools_url() {
        assert_eq!(
            devtools_url("DevTools listening on ws://127.0.0.1:4321/devtools/browser/ab-cd\n")
                .as_deref(),
            Some("ws://127.0.0.1:4321/devtools/browser/ab-cd")
        );
        assert_eq!(devtools_url("[1:2:ERROR:bus.cc] Failed to connect"), None);
    }

    #[test]
    fn reads_our_own_process_group() {
        let me = std::process::id() as i32;
        let pgid = stat_field(me, 5).expect("pgrp of self");
        assert!(group_members(pgid as i32).contains(&me));
        assert!(memory_of(me) > 0);
    }
}
