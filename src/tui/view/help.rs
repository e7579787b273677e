//! The help: every key of the keymap and every `:` command of the command table (nothing
//! written twice), read like a pager with a hint while more lies below.

use super::text;
use crate::tui::app::App;
use crate::tui::cmdline::table::{COMMANDS, Command};
use crate::tui::keymap::{Keymap, Scope};
use crate::tui::pager::Pager;
use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

/// Where the command usages end and their descriptions start.
const USAGE_COLUMN: usize = 26;

/// The line where the commands start (`:help` opens there): the two key sections before it are
/// a heading, a line per binding and a blank line each.
pub fn commands_line(keymap: &Keymap) -> usize {
    keymap.in_scope(Scope::Lists).count() + keymap.in_scope(Scope::Composer).count() + 4
}

fn heading(text: &str) -> Line<'static> {
    Line::styled(
        text.to_string(),
        Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    )
}

/// The help's lines for a box `width` columns wide.
pub fn lines(app: &App, width: usize) -> Vec<Line<'static>> {
    let words = app.cmdline_words();
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for (scope, title) in [
        (Scope::Lists, app.t.help_lists),
        (Scope::Composer, app.t.help_composer),
    ] {
        lines.push(heading(title));
        for b in app.keymap.in_scope(scope) {
            let keys: Vec<String> = b.keys.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", keys.join(" ")), bold),
                Span::raw(format!(
                    "{} (:{})",
                    crate::tui::action_words::action_word(app.t.lang, b.action),
                    b.action.name()
                )),
            ]));
        }
        lines.push(Line::raw(""));
    }
    lines.push(heading(words.help_commands));
    for command in COMMANDS.iter().filter(|c| !c.admin) {
        command_lines(&mut lines, app, command, width);
    }
    lines.push(Line::styled(
        format!("  {}", words.help_admin_commands),
        Style::default().add_modifier(Modifier::ITALIC),
    ));
    for command in COMMANDS.iter().filter(|c| c.admin) {
        command_lines(&mut lines, app, command, width);
    }
    for line in text::wrap(words.help_command_line, width.saturating_sub(2)) {
        lines.push(Line::raw(format!("  {line}")));
    }
    lines.push(Line::raw(""));
    lines.push(heading(app.t.help_popups));
    popup_lines(&mut lines, app, width);
    for line in text::wrap(app.t.help_always, width.saturating_sub(2)) {
        lines.push(Line::raw(format!("  {line}")));
    }
    let answers = crate::i18n::fill(words.help_answers, &[&app.messages_key()]);
    for line in text::wrap(&answers, width.saturating_sub(2)) {
        lines.push(Line::raw(format!("  {line}")));
    }
    lines
}

/// Each popup's keys from its own table, named as `[keys.<popup>]` names them, after what
/// opens it: its key's action, or its command for one that has no key.
fn popup_lines(lines: &mut Vec<Line<'static>>, app: &App, width: usize) {
    use crate::tui::keymap::{Action, PopupKind};
    let by_key = |action| crate::tui::action_words::action_word(app.t.lang, action).to_string();
    let popups = [
        (PopupKind::Pager, by_key(Action::Help)),
        (PopupKind::Search, by_key(Action::Search)),
        (PopupKind::Templates, by_key(Action::Templates)),
        (PopupKind::Automation, by_key(Action::Automation)),
        (PopupKind::Broadcasts, ":broadcasts".to_string()),
        (PopupKind::Admin, by_key(Action::Admin)),
        (PopupKind::Report, by_key(Action::Report)),
        (PopupKind::React, by_key(Action::React)),
        (PopupKind::SaveAs, by_key(Action::SaveMedia)),
        (PopupKind::CommandLine, by_key(Action::CommandLine)),
        (PopupKind::Filter, by_key(Action::Filter)),
    ];
    for (popup, opener) in popups {
        let text = format!(
            "{opener}: {}",
            popup_bindings(&app.keymap, popup, app.t.lang)
        );
        for line in text::wrap(&text, width.saturating_sub(4)) {
            lines.push(Line::raw(format!("  {line}")));
        }
    }
}

/// A popup's bound keys as the help lists them: `KEYS action · KEYS action…`, each action in
/// the inbox's language.
pub fn popup_bindings(
    keymap: &Keymap,
    popup: crate::tui::keymap::PopupKind,
    lang: crate::i18n::Lang,
) -> String {
    let bindings: Vec<String> = keymap
        .in_popup(popup)
        .filter(|b| !b.keys.is_empty())
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(ToString::to_string).collect();
            format!(
                "{} {}",
                keys.join(" "),
                crate::tui::action_words::popup_action_word(lang, b.action)
            )
        })
        .collect();
    bindings.join(" · ")
}

/// `:usage` then its description, on the same line when it fits, wrapped under the column.
fn command_lines(lines: &mut Vec<Line<'static>>, app: &App, command: &Command, width: usize) {
    let usage = format!("  {}", command.usage(app.t.lang));
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let room = width.saturating_sub(USAGE_COLUMN).max(12);
    let mut description = text::wrap(command.description(app.t.lang), room).into_iter();
    let indent = " ".repeat(USAGE_COLUMN);
    if text::width(&usage) < USAGE_COLUMN {
        let pad = " ".repeat(USAGE_COLUMN - text::width(&usage));
        let first = description.next().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(usage, bold),
            Span::raw(format!("{pad}{first}")),
        ]));
    } else {
        lines.push(Line::styled(usage, bold));
    }
    for rest in description {
        lines.push(Line::raw(format!("{indent}{rest}")));
    }
}

pub fn draw(frame: &mut Frame, app: &App, pager: &Pager) {
    let area = super::centered(frame.area(), 80, 90);
    frame.render_widget(Clear, area);
    let inner_width = area.width.saturating_sub(2) as usize;
    let lines = lines(app, inner_width);
    draw_pager(frame, app, pager, app.t.help_title, lines, area);
}

/// A scrolled text in a double frame: its title, the pager's keys, and "more below" while
/// there is more (the help and the messages log).
pub(super) fn draw_pager(
    frame: &mut Frame,
    app: &App,
    pager: &Pager,
    title: &str,
    lines: Vec<Line<'static>>,
    area: ratatui::layout::Rect,
) {
    let page = area.height.saturating_sub(2) as usize;
    let scroll = pager.fit(lines.len(), page);
    let words = app.cmdline_words();
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .title(format!(" {title} "))
        .title_bottom(
            Line::from(format!(" {} ", super::hint(app, pager, words.pager_keys))).right_aligned(),
        );
    if pager.more_below() {
        block = block.title_bottom(
            Line::styled(
                format!(" {} ", words.more_below),
                Style::default().add_modifier(Modifier::BOLD),
            )
            .left_aligned(),
        );
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}
