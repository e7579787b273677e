//! Lists longer than one answer. The engine answers at most `MAX_PAGE` rows a request, so a
//! command asked for more (`--limit 100000`) asks again after the last row it has, until it has
//! what was asked for or the list ends: nothing is cut off without a word.

use crate::client::Client;
use crate::protocol::{ApiError, MAX_PAGE, Request, Response};

/// Sends `request`, and for a list asked for more than one page, the pages after it, joined
/// into one answer in the list's own order.
pub async fn call(client: &mut Client, mut request: Request) -> Result<Response, ApiError> {
    let wanted = match limit_of(&mut request).and_then(|limit| *limit) {
        Some(limit) if limit > MAX_PAGE => limit,
        _ => return client.call(request).await,
    };
    let mut joined: Option<Response> = None;
    let mut have = 0;
    loop {
        let ask = (wanted - have).min(MAX_PAGE);
        if let Some(limit) = limit_of(&mut request) {
            *limit = Some(ask);
        }
        let page = client.call(request.clone()).await?;
        let got = rows(&page);
        let cursor = next_cursor(&page);
        have += got;
        joined = Some(match joined {
            None => page,
            Some(before) => join(before, page),
        });
        match cursor {
            Some(cursor) if got == ask && have < wanted => set_before(&mut request, cursor),
            _ => break,
        }
    }
    joined.ok_or_else(|| ApiError::from(crate::protocol::ErrorCode::NoPage {}))
}

/// The limit of a list request that pages; `None` for every other request.
fn limit_of(request: &mut Request) -> Option<&mut Option<usize>> {
    match request {
        Request::ListConversations { limit, .. }
        | Request::ListMessages { limit, .. }
        | Request::ListJournal { limit, .. }
        | Request::Search { limit, .. } => Some(limit),
        _ => None,
    }
}

fn set_before(request: &mut Request, cursor: i64) {
    match request {
        Request::ListConversations { before, .. }
        | Request::ListMessages { before, .. }
        | Request::ListJournal { before, .. }
        | Request::Search { before, .. } => *before = Some(cursor),
        _ => {}
    }
}

fn rows(page: &Response) -> usize {
    match page {
        Response::Conversations(v) => v.len(),
        Response::Messages(v) => v.len(),
        Response::Journal(v) => v.len(),
        Response::SearchResults(v) => v.len(),
        _ => 0,
    }
}

/// The row the next page starts after: the last one listed, except for messages, which are
/// answered oldest first, so the next (older) page comes before the first.
fn next_cursor(page: &Response) -> Option<i64> {
    match page {
        Response::Conversations(v) => v.last().map(|c| c.id),
        Response::Messages(v) => v.first().map(|m| m.id),
        Response::Journal(v) => v.last().map(|j| j.id),
        Response::SearchResults(v) => v.last().map(|h| h.message_id),
        _ => None,
    }
}

/// The pages so far and the next one, in the list's order (older messages go first).
fn join(so_far: Response, next: Response) -> Response {
    match (so_far, next) {
        (Response::Conversations(mut a), Response::Conversations(b)) => {
            a.extend(b);
            Response::Conversations(a)
        }
        (Response::Messages(newer), Response::Messages(mut older)) => {
            older.extend(newer);
            Response::Messages(older)
        }
        (Response::Journal(mut a), Response::Journal(b)) => {
            a.extend(b);
            Response::Journal(a)
        }
        (Response::SearchResults(mut a), Response::SearchResults(b)) => {
            a.extend(b);
            Response::SearchResults(a)
        }
        (so_far, _) => so_far,
    }
}
