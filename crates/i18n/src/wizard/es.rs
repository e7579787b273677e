//! The wizard in Spanish.

use super::WizardStrings;
use crate::Lang;
use wabox_domain::onboarding::WaitingFor;

fn waiting_es(w: WaitingFor) -> &'static str {
    match w {
        WaitingFor::CodeExpired => {
            "el código de confirmación caducó: empieza la incorporación de nuevo en la ventana \
             de Meta"
        }
        WaitingFor::CodeConfirmation => {
            "esperando que se confirme el código en la app WhatsApp Business (Ajustes → \
             Cuenta → Plataforma empresarial), o que se escanee el QR"
        }
        WaitingFor::CloudApiMigration => {
            "el código está confirmado; Meta aún está pasando el número a la Cloud API"
        }
        WaitingFor::OnPremises => {
            "el número está en la antigua API On-Premises, no en la Cloud API"
        }
        WaitingFor::DedicatedNumber => {
            "el número está en la Cloud API pero no en la app Business: es un número dedicado \
             (conéctalo a mano como tal, o con `wabox connect manual`)"
        }
        WaitingFor::Meta => "esperando a Meta",
    }
}

pub static ES: WizardStrings = WizardStrings {
    lang: Lang::Es,
    title: "Conectar un número",
    loading: "cargando…",
    yes: "sí",
    no: "no",
    english: "inglés",
    spanish: "español",
    not_set: "sin configurar",
    queue_crumb: "cola {}",
    title_tenant: "1 · Qué empresa",
    title_path: "2 · Cómo se conecta",
    title_queue: "3 · Cola",
    title_kapso: "Enlace de Kapso · opciones",
    title_meta_link: "Registro insertado de Meta · enlace para la empresa",
    title_kapso_link: "Enlace de Kapso · enlace para la empresa",
    title_choose: "Elige el número",
    title_pin: "PIN de verificación en dos pasos",
    title_manual: "Entrada manual",
    title_coexistence: "Número en la app WhatsApp Business",
    title_history: "Contactos e historial",
    title_import: "Importar un archivo de conexiones",
    title_dashboard: "Panel de la app de Meta",
    title_summary: "Conectado",
    hint_move: "mover",
    hint_choose: "elegir",
    hint_back: "volver",
    hint_quit: "salir",
    hint_inbox: "bandeja",
    hint_next_field: "siguiente",
    hint_change: "cambiar",
    hint_create_link: "crear enlace",
    hint_copy: "copiar enlace",
    hint_new_link: "enlace nuevo",
    hint_revoke: "revocar",
    hint_register: "registrar",
    hint_check: "comprobar con Meta",
    hint_watch_again: "vigilar de nuevo",
    hint_summary: "resumen",
    hint_another: "conectar otro",
    hint_preview: "leer el archivo",
    hint_apply: "importar",
    hint_test: "probar la verificación",
    hint_reveal: "mostrar/ocultar token",
    hint_leave_yes: "salir",
    hint_leave_no: "quedarse",
    leave_question: "¿Salir del asistente?",
    leave_question_inbox: "¿Volver a la bandeja?",
    leave_link_open: "El enlace del registro {} sigue funcionando hasta que caduque: si la \
                      empresa lo usa, `wabox connect status {}` dice qué pasó.",
    leave_unfinished: "Meta volvió, pero aún no hay ningún número conectado: termínalo después \
                       con `wabox connect finish {}`.",
    leave_coexistence: "wabox deja de vigilar el número: no se guarda nada hasta que esté \
                        conectado.",
    leave_history: "La importación del historial sigue en el motor; el asistente deja de \
                    mostrarla.",
    leave_request: "El motor aún no ha respondido: lo que se le pidió aún puede ocurrir.",
    link_left_open: "el registro {} sigue abierto hasta que caduque su enlace (`wabox connect \
                     revoke {}`)",
    tenant_intro: "¿Para qué empresa es este número? Cada empresa tiene su propia cuenta de \
                   Meta, tokens, números y conversaciones. Elige una, o baja a la última fila y \
                   escribe el nombre de una nueva.",
    tenant_numbers: "{} números",
    tenant_one_number: "1 número",
    new_tenant: "+ Empresa nueva:",
    tenant_made_later: "Una empresa nueva se crea solo cuando su número se conecta (o se hace \
                        su enlace), nunca antes.",
    new_tenant_crumb: "{} (nueva)",
    tenant_name_needed: "escribe el nombre de la empresa nueva, o elige una de arriba",
    path_intro: "¿Cómo se conecta el número de {}?",
    path_meta_coexistence: "Meta · conservar la app WhatsApp Business",
    path_meta_dedicated: "Meta · número dedicado",
    path_kapso: "Enlace de configuración de Kapso",
    path_coexistence: "Número de la app Business, a mano",
    path_manual: "Entrada manual",
    path_import: "Importar un archivo de conexiones",
    path_dashboard: "Ajustes del panel de la app de Meta",
    about_meta_coexistence: "La empresa entra con Facebook; el número sigue en la app del \
                             teléfono.",
    about_meta_dedicated: "La empresa entra con Facebook; un número solo para la API, con su \
                           PIN.",
    about_kapso: "kapso.ai conecta el número (o compra uno) y devuelve sus ids.",
    about_coexistence: "Sus ids y un token; wabox lo vigila hasta que confirme el teléfono.",
    about_manual: "Id del número, id de la WABA y un token, comprobados con Meta.",
    about_import: "Los números de un whatsapp-connections.json.",
    about_dashboard: "Qué poner en la app de Meta: URL de callback, token, redirección.",
    needs_listener: "La empresa vuelve por un enlace al servidor del motor, y no hay ninguno en \
                     marcha: inicia `wabox serve` (o `wabox demo`) y vuelve a `wabox connect`.",
    needs_listener_short: " (necesita `wabox serve`)",
    queue_intro: "¿Qué cola recibe las conversaciones de este número? Los agentes de la cola \
                  las ven en su bandeja.",
    new_queue: "+ Cola nueva:",
    new_queue_default: "(Enter: una cola nueva llamada {})",
    queue_none: "Sin cola por ahora (asígnala después)",
    import_queue_intro: "¿Qué cola recibe las conversaciones de los números importados? Los \
                         números que ya están en una cola conservan la suya.",
    import_queue_note: "Sin cola, sus conversaciones no llegan a ningún agente hasta que le \
                        asignes una: `wabox queues assign NÚMERO COLA`.",
    queue_note: "Una cola nueva se crea al conectar el número; añádele agentes con `wabox \
                 agents add USUARIO --queue NOMBRE`.",
    queue_name_needed: "escribe el nombre de la cola nueva, o elige una de arriba",
    kapso_intro: "Lo que la página de configuración de Kapso ofrece a la empresa:",
    kapso_types: "Tipos de conexión",
    kapso_types_both: "app Business o dedicado",
    kapso_types_coexistence: "solo app Business (coexistencia)",
    kapso_types_dedicated: "solo dedicado",
    kapso_provision: "Número nuevo",
    kapso_provision_note: "Kapso compra uno",
    kapso_country: "País",
    kapso_country_note: "del número nuevo (código ISO)",
    kapso_language: "Idioma de la página",
    kapso_colour: "Color",
    kapso_colour_note: "#RRGGBB, opcional",
    kapso_reconnect: "Reconectar",
    kapso_reconnect_note: "id o +número del roto; vacío: nuevo",
    kapso_help: "↑↓ mueve, ←→ o Espacio cambia una opción, Enter crea el enlace (sirve una \
                 vez, durante 30 días).",
    kapso_bad_country: "el país es un código ISO de dos letras, como US o MX",
    kapso_bad_colour: "el color se escribe #RRGGBB, como #25D366 (o se deja vacío)",
    link_making: "Creando el enlace…",
    link_not_made: "El motor no creó el enlace:",
    link_retry_hint: "r lo intenta de nuevo · Esc vuelve para elegir otra forma",
    link_open_this: "Envía este enlace a la empresa, o que escanee el código con su teléfono: \
                     inicia sesión y comparte su cuenta de WhatsApp.",
    link_signup: "Registro {} · {}",
    link_waiting: "Esperando a la empresa… {}",
    link_expires: "Sirve una vez y caduca en {}.",
    link_coexistence_steps: "Cuando la ventana de Meta lo pida, en el teléfono: abre la app \
                             WhatsApp Business, confirma el código o escanea el QR que muestra \
                             (Ajustes → Cuenta → Plataforma empresarial) y elige si compartir \
                             el historial.",
    link_dedicated_next: "Cuando la empresa vuelva, elige aquí el número y escribe su PIN de \
                          verificación en dos pasos.",
    link_kapso_next: "Cuando termine, Kapso la devuelve aquí y el número se conecta solo: \
                      esta pantalla lo sigue.",
    link_kapso_open_this: "Envía este enlace a la empresa, o que escanee el código con su \
                           teléfono: abre la página de configuración de Kapso, donde conecta su \
                           número de WhatsApp (o recibe uno nuevo de Kapso).",
    qr_too_small: "(una terminal más grande muestra el código QR)",
    copied: "Enlace copiado al portapapeles ({}).",
    copied_tmux: "Enlace copiado al búfer de tmux (prefijo ] lo pega).",
    copied_osc52: "Enlace enviado por OSC 52; si tu terminal lo rechazó, selecciónalo arriba.",
    copy_failed: "No se pudo copiar el enlace ({}): selecciónalo arriba.",
    revoked: "revocado: nadie puede volver por ese enlace",
    link_failed: "La empresa volvió, pero no se conectó ningún número",
    link_expired: "El enlace caducó antes de que nadie lo usara",
    link_revoked: "El enlace fue revocado",
    link_again_hint: "r crea un enlace nuevo para la misma empresa y opciones · Esc vuelve",
    failure_code: "código: {}",
    meta_user_denied: "La empresa canceló el inicio de sesión con Facebook o no concedió los \
                       permisos. Envía un enlace nuevo y pídele que acepte cada paso.",
    meta_no_waba: "No se compartió ninguna cuenta de WhatsApp Business: la empresa debe elegir \
                   (o crear) una en la ventana de Meta. Envía un enlace nuevo.",
    report_missing: "conectado, pero el motor no envió el informe: `wabox numbers list` lo \
                     muestra",
    choose_intro: "Meta compartió estos números con wabox. ¿Cuál se conecta a {}?",
    choose_note: "Un número de la app Business se conecta enseguida; uno dedicado pide su PIN \
                  de verificación en dos pasos.",
    on_business_app: "en la app Business",
    dedicated_pin: "dedicado (PIN)",
    connecting: "Conectando: suscribiendo la app a su cuenta, sincronizando plantillas…",
    pin_intro: "{} es un número dedicado: Meta lo registra para la Cloud API con su PIN de \
                verificación en dos pasos (6 cifras; WhatsApp Manager → Números de teléfono).",
    pin_label: "PIN",
    pin_note: "Va a Meta una sola vez; nunca se muestra ni se guarda. Meta permite 10 intentos \
               en 72 horas.",
    pin_six_digits: "el PIN tiene 6 cifras",
    pin_retry: "Escribe el PIN de nuevo (Esc: volver).",
    registering: "Registrando el número en Meta y conectándolo…",
    manual_intro: "Los identificadores del número (WhatsApp Manager → Números de teléfono, o \
                   la configuración de la API en el panel de la app) y un token de acceso que \
                   gestione su cuenta de WhatsApp.",
    phone_number_id: "Id del número",
    waba_id: "Id de la WABA",
    access_token: "Token de acceso",
    token_hidden_note: "(oculto; pégalo)",
    manual_note: "wabox consulta el número a Meta con este token antes de guardar nada; el \
                  token se sella y no se vuelve a mostrar.",
    manual_coexistence_note: "Después wabox vigila el número cada 5 segundos hasta que el \
                              teléfono confirme; antes no se guarda nada. El token nunca se \
                              muestra.",
    checking_with_meta: "Comprobando con Meta…",
    bad_phone_number_id: "el id del número es el de Meta: solo cifras (WhatsApp Manager → \
                          Números de teléfono)",
    bad_waba_id: "el id de la WABA es el de Meta: solo cifras",
    token_needed: "hace falta un token de acceso",
    coexistence_steps: "Conecta un número que sigue en la app WhatsApp Business:\n\
                        1. En el teléfono, abre la app WhatsApp Business (2.24.17 o posterior).\n\
                        2. En la ventana de incorporación de Meta, escribe el número; WhatsApp \
                        muestra un código o un QR.\n\
                        3. En la app: Ajustes → Cuenta → Plataforma empresarial, confirma el \
                        código o escanea el QR.\n\
                        4. Elige si compartir el historial de chats (hasta 180 días; sin los \
                        grupos).",
    coexistence_watching: "Vigilando el número {}",
    coexistence_countdown: "{} · {} consultas hasta ahora · quedan {}",
    coexistence_next: "próxima consulta en {} s",
    coexistence_looking: "consultando ahora",
    coexistence_last_seen: "Último estado:",
    coexistence_seen: "status {} · plataforma {} · código {} · en la app Business: {}",
    coexistence_nothing_yet: "Aún no se ha visto nada.",
    coexistence_confirmed: "✓ El teléfono confirmó: conectando el número…",
    coexistence_timed_out: "✗ No se conectó en {}: {}. r vigila de nuevo; Esc vuelve.",
    waiting_for: waiting_es,
    history_connected: "✓ +{} está conectado y sigue en la app WhatsApp Business.",
    history_asking: "Pidiendo a Meta los contactos y el historial de chats (una vez cada uno)…",
    history_not_asked: "No se pidieron los contactos ni el historial: {}",
    history_kind_contacts: "Contactos",
    history_kind_history: "Historial",
    history_asked_ok: "{}: pedido (solicitud {})",
    history_asked_not: "{}: no pedido: {}",
    history_waiting: "Esperando que llegue el historial…",
    history_declined: "Sin historial: {}",
    history_import: "Importación del historial",
    history_phases: "hoy {} · hasta 90 días {} · hasta 180 días {}",
    history_counts: "mensajes importados: {} · partes: {}",
    history_files: "archivos: {} de {} descargados · {} fallidos (los de clientes en vivo van antes)",
    afterwards_title: "Qué cambia para la empresa:",
    afterwards: &[
        "Los mensajes enviados desde la app del teléfono aparecen en wabox como \"enviado \
         desde el teléfono\" (ecos); nunca abren ni amplían la ventana de 24 horas.",
        "Hay que abrir la app en el teléfono cada par de semanas, o la conexión puede caerse.",
        "El envío está limitado a 20 mensajes por segundo; grupos, listas de difusión y \
         llamadas siguen en la app.",
    ],
    import_intro: "Números de un whatsapp-connections.json, para {} (cada uno por el id de \
                   número de Meta; los tokens se sellan).",
    import_file: "Archivo:",
    import_path_needed: "escribe la ruta del archivo",
    import_reading: "Leyendo…",
    import_would: "Importarlo haría:",
    import_done: "Importado. Lo que cambió:",
    import_apply_hint: "Enter lo importa; cambia la ruta para leer otro archivo.",
    import_added: "añadir",
    import_updated: "actualizar",
    import_corrected: "corregir",
    import_inactive: "inactivo",
    import_unchanged: "{} sin cambios",
    import_added_done: "añadido",
    import_updated_done: "actualizado",
    import_corrected_done: "corregido",
    import_to_queue: "a la cola {}",
    import_to_queue_done: "cola {}",
    import_without_queue: "⚠ +{} ({}) no tiene cola: sus conversaciones no llegan a nadie",
    dashboard_intro: "Qué poner en el panel de la app de Meta (developers.facebook.com → tu \
                      app), una vez para todas las empresas:",
    dashboard_webhooks: "WhatsApp → Configuración",
    dashboard_login: "Inicio de sesión con Facebook para empresas → Configuración",
    dashboard_kapso: "Kapso (redirecciones del enlace)",
    callback_url: "URL de callback",
    verify_token: "Token de verif.",
    reveal_hint: "(v lo muestra)",
    verify_token_unset: "sin configurar: [meta] verify_token o WABOX_VERIFY_TOKEN",
    redirect_uri: "URI de redirec.",
    app_id: "Id de la app",
    config_id: "Id de config.",
    kapso_success: "URL de éxito",
    kapso_failure: "URL de fallo",
    no_public_url: "No hay URL pública: configura [webhook] public_url con la dirección HTTPS \
                    que llega al motor.",
    loopback_warning: "[webhook] public_url no está configurada: esta dirección local solo la \
                       alcanza un navegador de esta máquina, y Meta no puede.",
    handshake_testing: "Probando la verificación de Meta…",
    handshake_hint: "t prueba la verificación de Meta a través de la URL pública.",
    summary_title: "+{} está conectado a {}",
    summary_renewed: "Ya era de esta empresa: su token se renovó y se conservan sus \
                      conversaciones.",
    summary_number: "Número",
    summary_tenant: "Empresa",
    summary_connection: "Conexión",
    summary_coexistence: "sigue en la app WhatsApp Business (coexistencia)",
    summary_dedicated: "dedicado (solo Cloud API)",
    summary_token: "Token",
    summary_no_token: "no hay ninguno guardado: no puede enviar",
    summary_token_forever: "sellado; no caduca",
    summary_token_expires: "sellado; caduca en {} (wabox avisa antes)",
    summary_token_sealed: "sellado",
    summary_token_kapso: "ninguno aquí: lo guarda Kapso; wabox envía con la clave de Kapso",
    summary_webhooks: "Webhooks",
    summary_subscribed: "la app principal recibe los webhooks de su cuenta",
    summary_not_subscribed: "sin suscripción: `wabox doctor` dice cómo arreglarlo",
    summary_templates: "Plantillas",
    summary_templates_synced: "{} sincronizadas",
    summary_templates_failed: "sin sincronizar: {}",
    summary_queue: "Cola",
    summary_queue_is: "{} (sus agentes ven las conversaciones)",
    summary_no_queue: "ninguna: sus conversaciones no llegan a nadie",
    summary_meta: "Meta dice",
    summary_quality: "calidad {}",
    summary_next: "Los mensajes de los clientes a este número llegan ahora a la bandeja.",
};
