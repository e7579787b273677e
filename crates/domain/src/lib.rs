//! Pure types and rules of the inbox: ids, message content, status order, the service window.
//! Nothing here does IO; everything here is unit-tested beside the code.

pub mod account_event;
pub mod broadcast;
pub mod calls;
pub mod connections;
pub mod content;
pub mod delivery;
pub mod delivery_route;
pub mod engine_text;
pub mod files;
pub mod forms;
pub mod groups;
pub mod health;
pub mod hours;
pub mod identity;
pub mod ids;
pub mod keywords;
pub mod lang;
pub mod media;
pub mod media_content;
pub mod meta_errors;
pub mod number;
pub mod onboarding;
pub mod optout;
pub mod pace;
pub mod reply;
pub mod report;
pub mod routing;
pub mod sequence;
pub mod signup;
pub mod status;
pub mod template;
pub mod template_header;
pub mod text;
pub mod time;
pub mod window;
pub mod words;

pub use content::MessageContent;
pub use ids::{Bsuid, PhoneNumberId, WaId, WabaId, Wamid};
pub use media::MediaKind;
pub use number::ConnectionKind;
pub use status::{DeliveryStatus, StatusDecision};
pub use window::ServiceWindow;
