//! How the width is shared between the sidebar, the list and the messages (issue 15, defect
//! 18): the messages keep a usable width; at narrow widths the side panes shrink first, then
//! the sidebar hides (it comes back while it has the focus).

/// Below this the messages pane is too narrow to read a message.
pub const MESSAGES_MIN: u16 = 36;
const SIDEBAR_MIN: u16 = 14;
const LIST_MIN: u16 = 22;

/// Widths of the sidebar, the list and the messages (the sidebar 0 when hidden).
pub fn pane_widths(width: u16, sidebar_focused: bool) -> [u16; 3] {
    let mut side = (width / 5).clamp(16, 28);
    let mut list = (width * 32 / 100).clamp(24, 44);
    let over = |side: u16, list: u16| (side + list + MESSAGES_MIN).saturating_sub(width);
    let cut = over(side, list).min(side - SIDEBAR_MIN);
    side -= cut;
    let cut = over(side, list).min(list - LIST_MIN);
    list -= cut;
    if over(side, list) > 0 && !sidebar_focused {
        // No room for three: the sidebar gives way, and the list takes back what it gave.
        side = 0;
        list = (width * 32 / 100)
            .clamp(24, 44)
            .min(width.saturating_sub(MESSAGES_MIN))
            .max(LIST_MIN.min(width));
    }
    let side = side.min(width);
    let list = list.min(width - side);
    [side, list, width - side - list]
}
