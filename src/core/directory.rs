//! The staff directory: who holds which role. Data from config, used by the
//! state machine to pick handlers and by screening to know staff senders.

use serde::{Deserialize, Serialize};

/// A member of staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Full name, as complainants would write it.
    pub name: String,
    /// Work address (lower-cased on load).
    pub email: String,
    /// Roles the person holds ("manager", "head_of_quality", "directors", …).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Phone number given to complainants as a contact, if any.
    #[serde(default)]
    pub phone: Option<String>,
}

/// Everyone, in config order (the first person in a role handles by default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    people: Vec<Person>,
}

impl Directory {
    /// Build from people; addresses are compared lower-case.
    pub fn new(people: Vec<Person>) -> Directory {
        Directory {
            people: people
                .into_iter()
                .map(|mut p| {
                    p.email = p.email.trim().to_ascii_lowercase();
                    p
                })
                .collect(),
        }
    }

    /// Everyone.
    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// People holding `role`, in config order.
    pub fn in_role<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a Person> + 'a {
        self.people
            .iter()
            .filter(move |p| p.roles.iter().any(|r| r == role))
    }

    /// Is there anyone in `role`?
    pub fn has_role(&self, role: &str) -> bool {
        self.in_role(role).next().is_some()
    }

    /// The person with this address, if staff.
    pub fn by_email(&self, email: &str) -> Option<&Person> {
        let e = email.trim().to_ascii_lowercase();
        self.people.iter().find(|p| p.email == e)
    }

    /// The first person in `role` who is not excluded (e.g. the subject of
    /// the complaint), else the first in the role.
    pub fn pick<'a>(&'a self, role: &'a str, exclude: &[String]) -> Option<&'a Person> {
        self.in_role(role)
            .find(|p| !exclude.iter().any(|x| x.eq_ignore_ascii_case(&p.email)))
    }

    /// Addresses of staff whose name appears in `text` (so a complaint about
    /// someone is never routed to them).
    pub fn mentioned_in(&self, text: &str) -> Vec<String> {
        let lower = text.to_lowercase();
        self.people
            .iter()
            .filter(|p| {
                let name = p.name.to_lowercase();
                let surname = name.split_whitespace().last().unwrap_or("");
                lower.contains(&name)
                    || ["mr", "mrs", "ms", "miss", "dr"]
                        .iter()
                        .any(|t| !surname.is_empty() && lower.contains(&format!("{t} {surname}")))
            })
            .map(|p| p.email.clone())
            .collect()
    }
}
