//! Taking the terminal and giving it back: one pair of functions that undo exactly what they
//! enabled, called on every exit path and from a panic hook chained before the default one.

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

pub type Term = Terminal<CrosstermBackend<Stdout>>;

static MOUSE: AtomicBool = AtomicBool::new(false);

pub fn setup(mouse: bool) -> std::io::Result<Term> {
    use std::io::IsTerminal;
    // Without a terminal crossterm fails with "No such device or address (os error 6)": say what
    // is wrong and what to use instead.
    if !std::io::stdin().is_terminal() || !stdout().is_terminal() {
        return Err(std::io::Error::other(
            "the inbox needs a terminal (stdin and stdout are not one here): run it in a \
             terminal or over ssh -t, or use the commands (wabox conversations, wabox send …)",
        ));
    }
    enter(mouse)?;
    Terminal::new(CrosstermBackend::new(stdout()))
}

/// Takes the terminal (again, after `$EDITOR` had it): what `restore` gives back.
pub fn enter(mouse: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    let mut out = stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    MOUSE.store(mouse, Ordering::SeqCst);
    Ok(())
}

/// Safe to call twice (a panic during restore must not hide the first panic's message).
pub fn restore() {
    let mut out = stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Restores the terminal before the panic message is printed, so it is readable.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Restores on drop: covers `?` returns and unwinding out of the loop.
pub struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        restore();
    }
}
