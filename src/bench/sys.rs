//! What the process costs, from /proc: resident memory, and CPU time by thread.

use serde::Serialize;

/// Resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Rss {
    pub rss_kib: u64,
    pub peak_kib: u64,
}

pub fn rss() -> Rss {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Rss {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

fn ticks_per_second() -> f64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .filter(|t| *t > 0)
        .map(|t| t as f64)
        .unwrap_or(100.0)
}

/// (thread name, user + system CPU seconds) from a `stat` file's text.
fn parse_stat(text: &str) -> Option<(String, f64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // After the name come field 3 (state) onwards; utime and stime are fields 14 and 15.
    let utime: f64 = rest.get(11)?.parse().ok()?;
    let stime: f64 = rest.get(12)?.parse().ok()?;
    Some((name, (utime + stime) / ticks_per_second()))
}

/// CPU seconds the whole process has used so far.
pub fn process_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|t| parse_stat(&t))
        .map(|(_, s)| s)
        .unwrap_or(0.0)
}

/// CPU seconds another process has used so far (all its threads).
pub fn pid_cpu(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|t| parse_stat(&t))
        .map(|(_, s)| s)
        .unwrap_or(0.0)
}

/// CPU seconds used so far by each thread of a process, by thread id, with the thread's
/// kind (`thread_kind`); empty once the process is gone.
pub fn pid_threads_cpu(pid: u32) -> std::collections::BTreeMap<u32, (String, f64)> {
    let mut threads = std::collections::BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            let Some(tid) = t.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            if let Ok(text) = std::fs::read_to_string(t.path().join("stat"))
                && let Some((name, s)) = parse_stat(&text)
            {
                threads.insert(tid, (thread_kind(&name).to_string(), s));
            }
        }
    }
    threads
}

/// A thread's name without the number that tells threads of one kind apart:
/// `wabox-journal-1` is a `wabox-journal`.
pub fn thread_kind(name: &str) -> &str {
    name.trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches('-')
}

/// CPU seconds used so far by this process's threads whose name starts with `prefix`.
pub fn threads_cpu(prefix: &str) -> f64 {
    pid_threads_cpu(std::process::id())
        .into_values()
        .filter(|(kind, _)| kind.starts_with(prefix))
        .map(|(_, s)| s)
        .sum()
}

/// CPU seconds the whole machine has been busy (all processes, from /proc/stat), to tell how
/// much of a phase's machine went to other programs.
pub fn machine_busy() -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    let total: f64 = ticks.iter().take(8).sum();
    let idle = ticks.get(3).copied().unwrap_or(0.0) + ticks.get(4).copied().unwrap_or(0.0);
    (total - idle) / ticks_per_second()
}

/// The load average over the last minute.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

pub fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn stat_lines_parse_even_with_spaces_in_the_name() {
        let line = "123 (wabox writer) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        let (name, secs) = super::parse_stat(line).expect("parses");
        assert_eq!(name, "wabox writer");
        assert!(secs > 0.0);
        assert!(super::rss().rss_kib > 0);
    }

    #[test]
    fn threads_of_a_kind_share_it_and_this_process_has_some() {
        assert_eq!(super::thread_kind("wabox-journal-1"), "wabox-journal");
        assert_eq!(super::thread_kind("wabox-apply-12"), "wabox-apply");
        assert_eq!(super::thread_kind("tokio-rt-worker"), "tokio-rt-worker");
        assert_eq!(super::thread_kind("wabox"), "wabox");
        let threads = super::pid_threads_cpu(std::process::id());
        assert!(threads.contains_key(&std::process::id()), "{threads:?}");
        assert!(super::pid_threads_cpu(u32::MAX).is_empty());
    }
}
