//! Copying a link, and saying honestly where it went. Inside tmux the text goes to tmux's paste
//! buffer (`load-buffer -w` also hands it to the outer clipboard where tmux's `set-clipboard`
//! allows): tmux drops an application's own OSC 52 by default. On a local desktop a clipboard
//! tool does it. Elsewhere (SSH) OSC 52 asks the terminal, which may refuse without telling:
//! the notice says so rather than claiming success.

use std::io::Write;
use std::process::{Command, Stdio};

/// Where the text went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copied {
    /// A local clipboard tool took it (`wl-copy`, `xclip`, `xsel`, `pbcopy`).
    Tool(&'static str),
    /// tmux's paste buffer (and the clipboard, where tmux passes it on).
    Tmux,
    /// Written to the terminal as OSC 52: it may or may not have taken it.
    Osc52,
    /// Nothing took it: why.
    Failed(String),
}

/// Copies `text` the best way this session has.
pub fn copy(text: &str) -> Copied {
    let env = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if env("TMUX")
        && (piped("tmux", &["load-buffer", "-w", "-"], text)
            || piped("tmux", &["load-buffer", "-"], text))
    {
        return Copied::Tmux;
    }
    let remote = env("SSH_CONNECTION") || env("SSH_TTY");
    if !remote {
        let tools: &[(&'static str, &[&str], bool)] = &[
            ("wl-copy", &[], env("WAYLAND_DISPLAY")),
            ("xclip", &["-selection", "clipboard"], env("DISPLAY")),
            ("xsel", &["--clipboard", "--input"], env("DISPLAY")),
            ("pbcopy", &[], cfg!(target_os = "macos")),
        ];
        for (tool, args, usable) in tools {
            if *usable && piped(tool, args, text) {
                return Copied::Tool(tool);
            }
        }
    }
    let mut out = std::io::stdout();
    match out
        .write_all(super::osc52(text).as_bytes())
        .and_then(|()| out.flush())
    {
        Ok(()) => Copied::Osc52,
        Err(e) => Copied::Failed(e.to_string()),
    }
}

/// Runs `program args` with `text` on its stdin; whether it took it (exit status 0).
fn piped(program: &str, args: &[&str], text: &str) -> bool {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let written = child
        .stdin
        .take()
        .is_some_and(|mut stdin| stdin.write_all(text.as_bytes()).is_ok());
    // Clipboard tools fork to keep the selection: the parent answers at once.
    child.wait().is_ok_and(|s| s.success()) && written
}
