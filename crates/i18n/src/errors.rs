//! The engine's refusals in the inbox's language: a match on the code, so that a new code is a
//! compile error here until it is worded. English comes from `ErrorCode::english`, the one
//! place the CLI and the logs read too. Spanish talks to the agent as tú.

use super::Lang;
use wabox_protocol::{ApiError, ErrorCode};

/// A refusal in `lang`, every value made visible (a control character in a customer's name
/// cannot move the agent's cursor).
pub fn word(lang: Lang, e: &ApiError) -> String {
    match lang {
        Lang::En => e.english(),
        Lang::Es => wabox_domain::text::visible(&spanish(&e.code)).into_owned(),
    }
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fn spanish(code: &ErrorCode) -> String {
    use ErrorCode::*;
    match code {
        AgentNotAdmin { user } => format!("{user} es agente: solo un administrador puede hacerlo"),
        TenantAdminOnly { user } => format!("{user} administra un solo negocio: solo un administrador de la instalación puede hacerlo"),
        NotAUser { user } => format!("{user} no es usuario de wabox: un administrador lo añade con `wabox agents add {user}`"),
        NotAUserToConnect { user } => format!("{user} no es usuario de wabox: un administrador lo añade con `wabox agents add {user} --queue QUEUE`"),
        UserConnectionsFull { user, max } => format!("{user} ya tiene {max} conexiones con el motor: cierra alguna (otros comandos de wabox o bandejas) y vuelve a intentarlo"),
        EngineConnectionsFull { max } => format!("el motor ya tiene {max} conexiones: vuelve a intentarlo en un momento, o pide a un administrador que mire quién las tiene"),
        TokenRevoked {} => "tu token fue revocado: pide uno nuevo a un administrador y vuelve a hacer `wabox login`".into(),
        NoToken { id } => format!("no hay ningún token {id} que puedas ver (`wabox token list` los muestra)"),
        TokenForNobody { user } => format!("{user} no es usuario de wabox: un administrador lo añade con `wabox agents add {user}` antes de darle un token"),
        NotYourTenantsUser { user } => format!("{user} no es usuario de tu negocio: un administrador de la instalación puede cambiarlo"),
        InstallationAdminOnlyChanges { user } => format!("{user} administra la instalación: solo un administrador de la instalación puede cambiarlo"),
        AdminOfEveryTenant {} => "solo un administrador de la instalación puede nombrar un administrador de todos los negocios: indica --tenant".into(),
        ActAsNotAdmin { user } => format!("{user} no es administrador: solo los administradores pueden actuar como otro usuario"),
        ActAsInstallationAdmin { target } => format!("{target} administra la instalación: el administrador de un negocio no puede actuar como él"),
        ActAsOtherTenant { target } => format!("{target} no es de tu negocio: solo puedes actuar como sus usuarios"),
        ClockAdminOnly {} => "solo un administrador puede mover el reloj".into(),
        ClockFixed {} => "el reloj de este motor no se puede mover (solo el de un motor iniciado con WABOX_MOVABLE_CLOCK=1: las pruebas y la demo)".into(),

        NoTenant { name } => format!("no hay ningún negocio llamado {name:?}"),
        NoTenantListed { name } => format!("no hay ningún negocio llamado {name:?}: `wabox tenants list` los muestra"),
        NoTenantAddFirst { name } => format!("no hay ningún negocio llamado {name:?}: añádelo primero con `wabox tenants add {name:?}`"),
        NoTenantYet {} => "aún no hay ningún negocio: primero `wabox tenants add NAME`".into(),
        SeveralTenants {} => "hay varios negocios: di cuál con --tenant NAME".into(),
        QueueInSeveralTenants { queue, tenants, shell, inbox } => format!("la cola {queue:?} está en varios negocios ({}): di cuál — `--tenant {shell}` en la línea de comandos, `{inbox}` en los comandos : de la bandeja", list(tenants)),
        TenantForNewQueue { queue, tenants, shell, inbox } => format!("hay varios negocios ({}): di cuál recibe la cola {queue:?} — `--tenant {shell}` en la línea de comandos, `{inbox}` en los comandos : de la bandeja", list(tenants)),
        NoQueue { name } => format!("no hay ninguna cola llamada {name:?}: `wabox queues list` las muestra"),
        NoQueueAnywhere { name } => format!("no hay ninguna cola llamada {name:?} en ningún negocio: `wabox queues list` las muestra"),
        QueuesOfSeveralTenants { queues } => format!("ningún negocio tiene todas las colas {}: las colas de un agente son de un solo negocio", list(queues)),
        NoNumber { number } => format!("no existe el número {number:?}"),
        NoNumberBare { number } => format!("no existe el número {number}"),
        NoNumberListed { number } => format!("no existe el número {number:?}: `wabox numbers list` los muestra"),
        TenantHasNoNumber { number } => format!("el negocio no tiene el número {number}: `wabox numbers list` muestra sus números"),
        NoConversation { conversation } => format!("no existe la conversación {conversation}"),
        NoConversationListed { conversation } => format!("no existe la conversación {conversation}: `wabox conversations` las muestra"),
        NoMessage { message } => format!("no existe el mensaje {message}"),
        NoMessageListed { message } => format!("no existe el mensaje {message}: `wabox messages CONVERSATION_ID --json` muestra sus ids"),
        NoMessageNamed { message } => format!("no existe el mensaje {message}"),
        NoMessageNamedListed { message } => format!("no existe el mensaje {message}: `wabox messages CONVERSATION_ID --json` muestra sus ids"),
        NoJournalEntry { id } => format!("no existe la entrada {id} del diario: `wabox journal` las muestra"),
        NoEnrollment { id } => format!("no existe la inscripción {id}"),
        NoSignup { id } => format!("no existe el alta {id}"),
        NoAgentHere { agent } => format!("no hay ningún agente {agent:?} en el negocio de esta conversación: `wabox agents list` los muestra"),
        AgentVanished { user } => format!("el agente {user} desapareció"),
        NoSequence { name, loaded } => format!("no hay ninguna secuencia {name:?} (cargadas: {}): `wabox sequences list` las muestra, y los archivos rechazados", if loaded.is_empty() { "ninguna".to_string() } else { list(loaded) }),
        NoUpload { upload } => format!("no hay ninguna subida {upload} en curso (terminó, se abandonó 10 minutos o el motor se reinició): envía el archivo de nuevo"),
        NoMedia { message } => format!("el mensaje {message} no tiene archivo"),
        NumberJustAddedMissing {} => "falta el número recién añadido".into(),
        NumberJustConnectedMissing {} => "falta el número recién conectado".into(),

        TenantExists { name } => format!("el negocio {name:?} ya existe (los nombres se comparan sin mayúsculas ni anchura)"),
        QueueExists { name } => format!("la cola {name:?} ya existe (los nombres se comparan sin mayúsculas ni anchura)"),
        QueueStillReceives { name, numbers } => format!("la cola {name:?} aún recibe +{}: asigna primero esos números a otra cola (`wabox queues assign NUMBER QUEUE`)", numbers.join(", +")),
        TenantStillHolds { name, numbers, holds } => format!("el negocio {name:?} aún tiene {}. `wabox tenants remove {name:?} --force` lo borra para siempre con todo lo que tiene: {holds}. Para conservarlos, cambia el nombre del negocio (`wabox tenants rename`)", if numbers.len() == 1 { format!("un número, {}", numbers[0]) } else { format!("números: {}", list(numbers)) }),
        ReferencesTooDeep { table } => format!("las referencias a {table} son demasiado profundas para borrar sin riesgo"),
        BadRole { role } => format!("un rol es admin o agent, no {role:?}"),
        BadLabel { label } => format!("una etiqueta tiene de 1 a 40 caracteres imprimibles, no {:?}", wabox_domain::text::visible_line(label)),
        TokenForWhom {} => "di para quién es el token: `wabox token create USER`".into(),
        TokenNameTooLong { max } => format!("el nombre de un token tiene como mucho {max} caracteres"),
        TokenExpiryPast {} => "la caducidad de un token tiene que estar en el futuro".into(),
        EmptyNote {} => "una nota necesita algo de texto".into(),
        BadConversationState { state } => format!("una conversación está abierta, cerrada o pospuesta, no {state:?}"),
        SearchAWord {} => "busca al menos una palabra".into(),
        SayWhereTo {} => "di a dónde: --queue NAME y/o --to USER".into(),
        AlreadyClaimed { conversation, holder } => match holder {
            Some(h) => format!("la conversación {conversation} ya es de {h}"),
            None => format!("la conversación {conversation} ya es de otra persona"),
        },
        NumberExists { phone_number_id } => format!("el id de número {phone_number_id} ya está guardado: `wabox numbers list` lo muestra"),
        OtherTenantsNumber { phone_number_id } => format!("el número {phone_number_id} es de otro negocio: no se puede conectar aquí"),
        SyncRowNotStored { label, digits, detail } => format!("{label}: +{digits} no se pudo guardar: {detail}"),
        InvalidValue { detail } => detail.clone(),

        NotRetryable { message, status } => format!("el mensaje {message} está {status}: solo se envían de nuevo los fallidos o inciertos"),
        NotOursToRetry { message } => format!("el mensaje {message} no lo envió wabox: no se puede enviar de nuevo"),
        NoTokenToSend { phone_number_id } => format!("el número {phone_number_id} no tiene token de acceso: un administrador debe conectarlo antes de poder enviar"),
        CannotReply { detail } => format!("no se puede responder: {detail}"),
        CannotReact { detail } => format!("no se puede reaccionar: {detail}"),
        WindowClosed { closed, templates, conversation } => format!("la ventana de 24 horas está cerrada ({closed}): {}", instead(templates, *conversation)),
        NoWindow { templates, conversation } => format!("el cliente no ha escrito a este número, así que no hay ventana de 24 horas: {}", instead(templates, *conversation)),
        ClientSideFile { path } => format!("{} es un archivo del lado del cliente: el cliente lo sube primero (BeginUpload, UploadChunk) y envía la subida", wabox_domain::text::visible_line(path)),
        FileNotStored { detail } => format!("no se pudo guardar el archivo: {detail}"),
        FileNotStoredInDataDir { detail } => format!("no se pudo guardar el archivo en el directorio de datos: {detail}"),
        UploadUnreadable { filename, detail } => format!("{filename}: no se pudo leer la subida ({detail})"),
        FileRefused { filename, detail } => format!("{filename}: {detail}"),
        HeaderFileNotUploaded {} => "el archivo del encabezado debe subirse antes al motor (el motor nunca lee los archivos de un cliente)".into(),
        HeaderMimeRefused { filename, mime } => format!("{filename}: WhatsApp no puede enviar {mime} en el encabezado de una plantilla"),
        TemplateRefused { detail } => detail.clone(),
        MarkedReadHereOnly { meta } => format!("marcada como leída aquí, pero no en WhatsApp: {meta}"),
        SayWhichNumberToSync {} => "di de qué número sincronizar las plantillas: --number PHONE_NUMBER_ID".into(),

        MediaNotDownloaded { message, detail } => format!("el archivo del mensaje {message} no se pudo descargar ({detail}): `wabox media retry {message}`"),
        StillDownloading { message } => format!("el archivo del mensaje {message} aún se está descargando"),
        StoredFileMissing { message, detail } => format!("falta el archivo guardado ({detail}): `wabox media retry {message}`"),
        MediaNotRefetchable { message, detail } => format!("el archivo del mensaje {message} no se puede pedir de nuevo: {detail}"),
        MediaNotFailed { message } => format!("el archivo del mensaje {message} no ha fallado: no hay nada que reintentar"),
        FileTooBig { size, largest } => format!("el archivo ocupa {size}; WhatsApp no acepta archivos de más de {largest}"),
        UploadsBusy { max } => format!("ya tienes {max} subidas en curso: deja que terminen (o espera 10 minutos) y vuelve a intentarlo"),
        UploadNotStarted { detail } => format!("no se pudo empezar la subida: {detail}"),
        UploadNotStartedInDataDir { detail } => format!("no se pudo empezar la subida en el directorio de datos: {detail}"),
        ChunkNotBase64 { detail } => format!("un trozo del archivo no es base64 válido ({detail})"),
        ChunkTooBig { bytes, max } => format!("un trozo de {bytes} bytes supera el límite de {max} bytes"),
        ChunkStillWriting {} => "el trozo anterior de esta subida aún se está escribiendo: envía los trozos uno tras otro".into(),
        ChunkOutOfPlace { offset, received } => format!("un trozo en el byte {offset} de una subida que tiene {received} bytes: envía desde ahí"),
        ChunksOverAnnounced { bytes } => format!("los trozos suman más de los {bytes} bytes anunciados"),
        UploadNotWritten { detail } => format!("no se pudo escribir la subida en el directorio de datos ({detail}): envía el archivo de nuevo"),
        UploadIncomplete { received, bytes } => format!("la subida tiene {received} de sus {bytes} bytes: envía el resto antes del mensaje"),

        SequenceOtherTenant { sequence, tenant, conversation, belongs_to } => format!("la secuencia {sequence} es del negocio {tenant}, y la conversación {conversation} es de {belongs_to}"),
        SequenceElsewhere { sequence, numbers, display_phone } => format!("la secuencia {sequence} solo corre en {}, no en +{display_phone}", list(numbers)),
        InSequence { conversation, sequence } => format!("la conversación {conversation} ya está en la secuencia {sequence} (`wabox sequences status --conversation {conversation}`)"),
        EnrollmentEnded { id, state } => format!("la inscripción {id} terminó ({state}): inscribe de nuevo la conversación para empezar otra vez"),

        NotABusinessId { id } => format!("{id:?} no es un id de empresa: los ids de Meta son dígitos (Configuración del negocio → Información del negocio)"),
        NotAMetaId { id, what } => format!("{id:?} no es un {what}: los ids de Meta son dígitos (WhatsApp Manager → Números de teléfono)"),
        TokenNeeded {} => "hace falta un token de acceso para conectar un número".into(),
        KapsoMarkerTyped {} => "eso no es un token de acceso de Meta: los números que llegan por Kapso se conectan con `wabox connect kapso`".into(),
        TokenRefusedTyped { meta, code } => format!("Meta rechazó este token: revísalo (copiado entero, de la empresa dueña de este número, sin vencer) y vuelve a intentarlo (Meta: {meta}; código {code})"),
        MetaDidNotConfirm { meta } | MetaDidNotConfirmToken { meta } => format!("Meta no confirmó el número: {meta}"),
        MetaDidNotAnswer { meta } | MetaDidNotAnswerToken { meta } => format!("Meta no respondió sobre el número: {meta}"),
        NoDisplayNumber {} => "Meta respondió sin el número visible del número".into(),
        BadHours { detail } => format!("horario no válido: {detail}"),
        BlockRefused { meta } => format!("Meta no bloqueó al cliente: {meta}"),
        UnblockRefused { meta } => format!("Meta no levantó el bloqueo: {meta}"),
        BroadcastRefused { detail } => format!("la difusión no se crea: {detail}"),
        NoBroadcast { id } => format!("no hay ninguna difusión {id} que puedas ver (`wabox broadcast list` las muestra)"),
        BroadcastNotNow { id, state, action } => format!("la difusión {id} está en estado {state}: ahora no se puede hacer {action} (`wabox broadcast status {id}`)"),
        BroadcastNeedsNumber { numbers } => format!("indica qué número la envía: --from NÚMERO (uno de {})", list(numbers)),
        CustomerBlocked { conversation } => format!("el cliente de la conversación {conversation} está bloqueado en este número: ninguno puede escribir al otro hasta `wabox unblock {conversation}`"),
        BadReport { detail } => format!("no se puede hacer el informe: {detail}"),
        NotBlockable { conversation } => format!("la conversación {conversation} no se puede bloquear: Meta bloquea a un cliente por su número de teléfono, y esta es un grupo o no lo tiene"),
        SubscribeFailed { waba, meta } => format!("el número está bien, pero la app no pudo suscribirse a la WABA {waba}: {meta}"),
        NoConnectedNumber { phone_number_id } => format!("no hay ningún número {phone_number_id} conectado: conéctalo primero (`wabox connect coexistence`)"),
        DedicatedNoHistory { phone_number_id } => format!("{phone_number_id} es un número dedicado: solo los números de la app WhatsApp Business tienen un historial que importar"),
        NotViaKapso { display_phone } => format!("+{display_phone} no se conectó por Kapso: reconéctalo como se conectó (`wabox connect meta` o `wabox connect manual`)"),

        NoPublicUrl {} => "no hay URL pública: pon en [webhook] public_url la dirección HTTPS que llega a este motor (`wabox connect dashboard` muestra lo que Meta necesita)".into(),
        PublicUrlNotAUrl { detail } => format!("[webhook] public_url no es una URL: {detail}"),
        NoKapsoKey {} => "no hay clave de API de Kapso: pon [kapso] api_key (o WABOX_KAPSO_API_KEY) y reinicia el motor (panel de Kapso → Project settings → API keys)".into(),
        KapsoNoCustomer { tenant, meta } => format!("Kapso no creó un cliente para {tenant}: {meta}"),
        KapsoNoLink { meta } => format!("Kapso no creó un enlace de configuración: {meta}"),
        KapsoNoCustomerToRevoke {} => "el negocio no tiene cliente en Kapso con el que revocar el enlace".into(),
        KapsoDidNotRevoke { meta } => format!("Kapso no revocó el enlace: {meta}"),
        SignupRevokedKapsoNotTold { id, cause } => format!("el alta {id} está revocada en wabox (su callback se rechaza y no conecta nada), pero Kapso no se enteró: {cause}"),
        SignupNotRemade { id, detail } => format!("el alta {id} no se puede rehacer: {detail}"),
        NameTheTenant {} => "di para qué negocio (la empresa) es el número".into(),
        NoAppId {} => "no hay id de app: pon [meta] app_id (App Dashboard → Settings → Basic)".into(),
        NoSignupConfig {} => "no hay configuración de Embedded Signup: pon [meta] config_id (App Dashboard → WhatsApp → Embedded Signup → Configuration ID)".into(),
        DialogUrlNotAUrl { detail } => format!("[meta] dialog_base_url no es una URL: {detail}"),
        Misconfigured { detail } => detail.clone(),
        NobodyCameBack {} => "aún nadie volvió por este enlace: ábrelo e inicia sesión primero".into(),
        SignupFinished { id, status } => format!("el alta {id} está {status}; empieza una nueva"),
        SignupBeingConnected { id } => format!("el número del alta {id} ya se está conectando: espera a que termine"),
        NotShared { phone_number_id, shared } => format!("{phone_number_id} no está entre los números que Meta compartió: {shared}"),
        PickOne { count, shared } => format!("Meta compartió {count} números; elige uno: {shared}"),
        PinNeeded { display_phone } => format!("+{display_phone} es un número dedicado: escribe su PIN de verificación en dos pasos de 6 dígitos para registrarlo"),
        PinRefused { display_phone, meta } => format!("Meta no registró +{display_phone} con ese PIN: {meta} (Meta permite 10 intentos en 72 horas)"),

        StoreFailed { detail } => format!("falló el motor: {detail}"),
        QueryFailed { detail } => format!("falló una consulta: {detail}"),
        WrongRequest { area, request } => format!("no es una petición de {area}: {request}"),
        NotARequest { detail } => format!("no es una petición: {detail}"),
        RequestTooLong { max } => format!("se rechazó una petición de más de {max} bytes y se cerró la conexión: los archivos viajan en trozos (este cliente puede ser más antiguo que el motor)"),
        ProtocolMismatch { ours, theirs, engine } => match theirs {
            Some(theirs) => format!("esta bandeja habla el protocolo {ours} pero el motor en {engine} habla el {theirs}: instala la misma versión de wabox que el motor (`wabox --version`)"),
            None => format!("esta bandeja habla el protocolo {ours} pero el motor en {engine} responde en otro: instala la misma versión de wabox que el motor (`wabox --version`)"),
        },
        EncodeFailed { detail } => format!("no se pudo codificar la petición: {detail}"),
        SocketLost { detail } => format!("se perdió el socket del motor: {detail}"),
        EngineClosed {} => "el motor cerró la conexión".into(),
        EngineGone {} => "el motor dejó de responder".into(),
        EngineLinkStopped {} => "se cortó el enlace con el motor".into(),
        EngineStopping {} => "el motor se está deteniendo: no puede enviarte más eventos".into(),
        NoPage {} => "el motor no respondió ninguna página".into(),
        UnexpectedAnswer {} => "el motor respondió otra cosa".into(),
        UnexpectedUploadAnswer {} => "el motor respondió a una subida con otra cosa".into(),
        BrokenChunk { detail } => format!("el motor envió un trozo roto: {detail}"),
        LocalFileUnreadable { path, detail } => format!("no se pudo leer {path}: {detail}"),
        LocalFileShrank { path } => format!("{path} se acortó mientras se enviaba: envíalo de nuevo"),
        LocalFileNotWritten { detail } => format!("no se pudo escribir el archivo: {detail}"),
    }
}

fn instead(templates: &[String], conversation: i64) -> String {
    if templates.is_empty() {
        "no hay ninguna plantilla aprobada sincronizada para este número: ejecuta `wabox templates sync`".to_string()
    } else {
        format!(
            "envía una plantilla ({}): `wabox send --conversation {conversation} --template NAME --lang CODE`",
            list(templates)
        )
    }
}

#[cfg(test)]
#[path = "errors_tests.rs"]
mod tests;
