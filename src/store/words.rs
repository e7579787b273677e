//! The states the store keeps as text, read into their enums in one place: a word that names
//! no state is a damaged row and is reported as such, never guessed.

use crate::domain::number::NumberStatus;
use crate::protocol::admin::JournalState;
use crate::protocol::states::{
    ConnectedVia, ConversationState, Direction, EnrollmentState, MediaState, MessageStatus, Origin,
    Reactor, Role, SignupVia,
};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! text_words {
    ($($name:ty => $what:literal),+ $(,)?) => {
        $(
            impl FromSql for $name {
                fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                    let text = value.as_str()?;
                    <$name>::parse(text).ok_or_else(|| {
                        FromSqlError::Other(format!("unknown {} {text:?}", $what).into())
                    })
                }
            }

            impl ToSql for $name {
                fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                    Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
                }
            }
        )+
    };
}

text_words! {
    ConversationState => "conversation state",
    Direction => "message direction",
    Origin => "message origin",
    MessageStatus => "message status",
    MediaState => "media state",
    Reactor => "reactor",
    EnrollmentState => "enrollment state",
    Role => "role",
    ConnectedVia => "connection path",
    SignupVia => "signup path",
    NumberStatus => "number status",
    JournalState => "journal state",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_as_written_and_a_damaged_one_is_reported() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let read: MessageStatus = conn
            .query_row("SELECT ?1", [MessageStatus::Uncertain], |r| r.get(0))
            .unwrap();
        assert_eq!(read, MessageStatus::Uncertain);
        let damaged = conn.query_row("SELECT 'lost'", [], |r| r.get::<_, MessageStatus>(0));
        let message = damaged.unwrap_err().to_string();
        assert!(
            message.contains("unknown message status \"lost\""),
            "{message}"
        );
    }
}
