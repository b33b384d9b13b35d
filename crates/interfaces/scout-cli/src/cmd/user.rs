//! `scout user`: create users (the first owner, too), list them, and make API tokens.

use std::io::BufRead as _;

use anyhow::Context as _;
use scout_pipeline::Role;

use super::Context;
use super::pipeline::{self, DbArgs};
use crate::output::{self, Format, Table};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Create a user. The password comes from $SCOUT_PASSWORD, else the first line of stdin.
    Add {
        name: String,
        #[arg(long, default_value = "viewer")]
        role: String,
    },
    /// Create an API token for a user (printed once; only its hash is stored)
    Token {
        name: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// List users
    List,
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("SCOUT_PASSWORD") {
        return Ok(p);
    }
    eprintln!("password (one line on stdin):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn run(ctx: &Context, args: Args) -> anyhow::Result<u8> {
    let url = pipeline::url(ctx, &args.db)?;
    let rt = pipeline::runtime()?;
    let actor = pipeline::cli_actor();
    // Only adding a user may start a new workspace.
    let create = matches!(args.command, UserCommand::Add { .. });
    rt.block_on(async {
        let store = pipeline::open(&url, create, pipeline::ledger(ctx, &args.db, &url)).await?;
        match args.command {
            UserCommand::Add { name, role } => {
                let role: Role = role.parse().map_err(anyhow::Error::msg)?;
                let password = read_password()?;
                scout_pipeline::secret::check_password_policy(&password)?;
                let hash = tokio::task::spawn_blocking(move || {
                    scout_pipeline::secret::hash_password(&password)
                })
                .await??;
                let user = store.create_user(&actor.name, &name, role, &hash).await?;
                println!("created {} ({}) with id {}", user.name, user.role, user.id);
            }
            UserCommand::Token { name, label } => {
                let (user, _) = store
                    .user_with_hash(&name)
                    .await?
                    .with_context(|| format!("no user named {name:?}"))?;
                let (info, token) = store.create_token(&actor.name, user.id, &label).await?;
                eprintln!(
                    "token {} for {} (shown once; revoke with DELETE /api/tokens/{}):",
                    info.id, user.name, info.id
                );
                println!("{token}");
            }
            UserCommand::List => {
                let users = store.list_users().await?;
                if ctx.format == Format::Json {
                    output::json(&users)?;
                } else {
                    let mut t = Table::new(&["id", "name", "role", "disabled"]).right_align(&[0]);
                    for u in users {
                        t.row(vec![
                            u.id.to_string(),
                            u.name,
                            u.role.to_string(),
                            u.disabled.to_string(),
                        ]);
                    }
                    print!("{}", t.render());
                }
            }
        }
        anyhow::Ok(())
    })?;
    Ok(0)
}
