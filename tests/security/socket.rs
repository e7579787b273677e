//! The engine's socket: who reaches it, and what a client can make the engine hold.

use crate::common::users::Team;
use crate::common::*;

#[test]
fn only_the_teams_group_reaches_the_socket_and_only_wabox_users_are_answered() {
    let Some(mut team) = Team::new("socket group") else {
        return;
    };
    let agent = team.member();
    let outsider = team.outsider();
    let home = Home::new();
    home.open_to_users();
    home.append_config(&team.access_toml());
    let _engine = home.start_engine();
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    home.ok(&["agents", "add", &agent, "--queue", "Sales"]);

    let out = home.run_as(&agent, &["conversations", "--json"]);
    assert!(
        out.status.success(),
        "the agent was refused: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = home.run_as(&outsider, &["conversations", "--json"]);
    assert!(
        !out.status.success(),
        "a user outside the group was answered"
    );
}
