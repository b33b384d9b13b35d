//! The pipeline's handlers, one module per part of the workspace. The route table
//! (`routes.rs`) names them with their roles and types; none of them checks a role.

pub mod answers;
pub mod bulk;
pub mod candidates;
pub mod contact;
pub mod duplicates;
pub mod offers;
pub mod records;
pub mod scorecards;
pub mod session;
pub mod settings;
pub mod users;
pub mod watches;
