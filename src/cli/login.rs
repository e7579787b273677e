//! `wabox login https://HOST` and `wabox logout`: working with a remote engine with a token.

use super::output::{say, say_err};
use crate::client::remote::Server;
use crate::client::{Client, Dial, login};
use crate::protocol::{Request, Response};
use clap::Args;
use std::io::{IsTerminal, Read};

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The engine's address, as its reverse proxy serves it: https://HOST[:PORT][/PATH]
    /// (plain http:// only to this machine).
    pub server: String,
    /// Read the token from standard input (else a prompt that does not show it).
    #[arg(long)]
    pub token_stdin: bool,
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Print the result as JSON (for scripts) instead of text
    #[arg(long)]
    pub json: bool,
}

fn read_token(from_stdin: bool) -> anyhow::Result<String> {
    let text = if from_stdin || !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin().lock().read_to_string(&mut text)?;
        text
    } else {
        super::connect::hidden_prompt("Token (not shown): ")?
    };
    let token = text.trim().to_string();
    anyhow::ensure!(!token.is_empty(), "no token given");
    Ok(token)
}

/// Checks the token with the engine, then keeps both for this user's later commands.
pub async fn login(args: LoginArgs) -> anyhow::Result<()> {
    crate::client::remote::api_url(&args.server)?;
    let server = Server {
        url: args.server.trim().trim_end_matches('/').to_string(),
        token: read_token(args.token_stdin)?,
    };
    let mut client = Client::dial(&Dial::Remote(server.clone())).await?;
    let info = match client.call(Request::Hello).await? {
        Response::Hello(info) => info,
        other => anyhow::bail!("the engine answered a greeting with {other:?}"),
    };
    client.close().await;
    let path = login::save(&server)?;
    let until = info.token_expires_at.map(crate::domain::time::rfc3339);
    if args.json {
        let value = serde_json::json!({
            "server": server.url,
            "user": info.user,
            "role": info.role.map(|r| r.to_string()),
            "expires_at": until,
            "saved_to": path.display().to_string(),
        });
        let text = serde_json::to_string_pretty(&value)?;
        super::output::write_out(format_args!("{text}\n"));
        return Ok(());
    }
    say!(
        "logged in to {} as {}{}, {}; saved in {}",
        server.url,
        info.user,
        info.role.map(|r| format!(" ({r})")).unwrap_or_default(),
        info.token_expires_at.map_or_else(
            || "until the token is revoked".to_string(),
            |u| format!("until {}", crate::domain::time::rfc3339_here(u))
        ),
        path.display()
    );
    if info.role.is_none() {
        say_err!(
            "{} has no queues or role yet: an admin gives them some with `wabox agents add {}`",
            info.user,
            info.user
        );
    }
    Ok(())
}

pub fn logout(args: LogoutArgs) -> anyhow::Result<()> {
    let path = login::path()?;
    let was = login::forget()?;
    if args.json {
        super::output::write_out(format_args!(
            "{}\n",
            serde_json::json!({ "logged_out": was })
        ));
        return Ok(());
    }
    match was {
        true => say!(
            "logged out: {} removed; commands use this machine's engine again",
            path.display()
        ),
        false => say!("not logged in anywhere (no {})", path.display()),
    }
    if std::env::var_os("WABOX_SERVER").is_some() {
        say_err!("WABOX_SERVER is still set: commands in this shell go to it until it is unset");
    }
    Ok(())
}
