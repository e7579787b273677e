//! Words of the demo's own screens and of the by-hand paths' token refusal, in both languages.

use super::Lang;

#[derive(Debug)]
pub struct DemoStrings {
    /// The by-hand watch stopped: Meta refused the token.
    pub token_refused: &'static str,
    /// The heading over that refusal, instead of "Watching number {}".
    pub stopped_watching: &'static str,
    /// Above the simulator's ids and token on the by-hand screens, in the demo.
    pub simulator_accepts: &'static str,
    /// `{name}: phone number id {id} · WABA id {id}`.
    pub simulator_number: &'static str,
    /// `token {token}`.
    pub simulator_token: &'static str,
}

pub static EN: DemoStrings = DemoStrings {
    token_refused: "✗ Meta refused the token, so the number is no longer watched: asking again \
                    with the same token cannot work. Esc goes back to type the right one.",
    stopped_watching: "No longer watching number {}",
    simulator_accepts: "Demo: the simulated Cloud API accepts these (on this machine only; your \
                        terminal's paste types them in):",
    simulator_number: "{}: phone number id {} · WABA id {}",
    simulator_token: "  token {}",
};

pub static ES: DemoStrings = DemoStrings {
    token_refused: "✗ Meta rechazó el token, así que se dejó de vigilar el número: volver a \
                    preguntar con el mismo token no puede funcionar. Esc vuelve para escribir el \
                    correcto.",
    stopped_watching: "Se dejó de vigilar el número {}",
    simulator_accepts: "Demo: la Cloud API simulada acepta estos datos (solo en este equipo; \
                        el pegado de tu terminal los escribe):",
    simulator_number: "{}: id del número {} · id de la WABA {}",
    simulator_token: "  token {}",
};

impl DemoStrings {
    pub fn for_lang(lang: Lang) -> &'static DemoStrings {
        match lang {
            Lang::Es => &ES,
            Lang::En => &EN,
        }
    }
}
