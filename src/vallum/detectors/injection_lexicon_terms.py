"""The cross-lingual intent lexicon of the injection model: English and the Latin-script languages.

One line per language and concept: the stems (lower case, `|`-separated) that carry the concept
in that language. Written for this project; see `injection_lexicon` for what a concept is and
how matches become features. The other scripts are in `injection_lexicon_scripts`.
"""

from __future__ import annotations

# Concepts, in the order their features are numbered.
CONCEPTS = (
    "override", "prior", "rules", "sysprompt", "secret", "reveal", "without", "persona",
    "mode", "authority", "ai", "forward", "harm", "now", "creative", "encode",
)  # fmt: skip

LATIN_TERMS: dict[str, dict[str, str]] = {
    "en": {
        "override": "ignore|ignoring|disregard|forget|override|bypass|overrule|skip over|"
        "pay no attention|set aside|abandon|drop all|circumvent",
        "prior": "previous|prior|above|earlier|preceding|original|initial|foregoing",
        "rules": "instruction|rules|guideline|directive|restriction|limitation|filters|"
        "censor|policies|constraint|safeguard|guardrail|content policy",
        "sysprompt": "system prompt|system message|initial prompt|hidden prompt|your prompt|"
        "pre-prompt|preprompt|developer message|the text above|words above|everything above|"
        "above this message|before my first message|before this conversation|setup message|"
        "setup text|your setup|configured with|you were configured|you were given|you were told|"
        "hidden text|initial message|your configuration|"
        "your first paragraph|your first sentence|your opening message",
        "secret": "password|passphrase|passcode|secret|pin code|code word|api key|credential|"
        "private key|the key|confidential|the word you|forbidden word",
        "reveal": "reveal|show me|print|display|tell me|repeat|spell|output|give me|disclose|"
        "leak|say the|recite|write out|divulge|share the|what is the|restate|repeat back|"
        "read out|read back|proofread|spell-check|spell check|word for word|verbatim",
        "without": "without|no restrictions|unrestricted|unfiltered|uncensored|no limits|"
        "free from|no longer bound|not bound|no disclaimers|no disclaimer|no warnings|"
        "without warnings|hold back|leaving nothing out|leave nothing out|never refuse|"
        "do not refuse|don't refuse|break character|begin your reply with|start your reply with|"
        "begin your response with|start your response with|sure, here is|certainly, here is",
        "persona": "pretend|act as|role-play|roleplay|role play|you are now|imagine you are|"
        "play the role|persona|in character|stay in character|you will be|simulate|"
        "in your role|as your character|your character|you play the",
        "mode": "developer mode|dev mode|debug mode|god mode|admin mode|maintenance mode|"
        "jailbreak|dan mode|do anything now|unlocked|sudo mode|test mode",
        "authority": "administrator|admin|developer|your creator|owner|ceo|authorized|"
        "security team|openai|anthropic|supervisor|i am your|official",
        "ai": "ai |a.i.|assistant|chatbot|language model|llm|gpt|the model|the bot|agent",
        "forward": "forward|send all|send the|send it|transfer|email it|exfiltrat|upload|"
        "post it|cc:|bcc",
        "harm": "hack|steal|weapon|bomb|explosive|poison|malware|break into|kill|drugs|"
        "launder|ransomware|keylogger|phishing kit|meth|undetectable|ghost gun|counterfeit|"
        "forge a|identity theft|credit card numbers|nerve agent|self-harm|stalk|extort|blackmail",
        "now": "from now on|now |henceforth|immediately|starting now|new instruction|"
        "new task|updated instruction",
        "creative": "poem|haiku|story|song|riddle|acrostic|limerick|rhyme|sonnet",
        "encode": "base64|cipher|caesar|encode|decode|reversed|backwards|each letter|"
        "letter by letter|hexadecimal|rot13|rot-13|one character at a time|spell it",
    },
    "fr": {
        "override": "ignore|ignorez|oublie|oubliez|contourne|ne tiens pas compte|passe outre",
        "prior": "précédent|antérieur|ci-dessus|initial|toutes les",
        "rules": "instruction|règle|consigne|directive|restriction|limit|filtre|censure",
        "sysprompt": "prompt système|invite système|message système|prompt initial|ton prompt",
        "secret": "mot de passe|secret|code d'accès|clé api|identifiant|confidentiel",
        "reveal": "affiche|montre|révèle|dis-moi|donne-moi|répète|épelle|divulgue|imprime",
        "without": "sans|aucune restriction|non filtré|non censuré|illimité",
        "persona": "fais semblant|fait semblant|joue le rôle|incarne|fais comme si|"
        "imagine que tu|tu es maintenant|personnage",
        "mode": "mode développeur|mode debug|mode admin|mode dieu|jailbreak|débridé",
        "authority": "administrateur|admin|développeur|ton créateur|propriétaire|pdg|autorisé",
        "ai": "ia |assistant|chatbot|modèle de langage|intelligence artificielle",
        "forward": "transfère|transférez|envoie|envoyez|renvoie|redirige|exfiltr",
        "harm": "pirater|hacker|voler|arme|bombe|explosi|poison|empoisonn|malveillant|drogue",
        "now": "maintenant|désormais|dorénavant|immédiatement|nouvelles instructions",
        "creative": "poème|haïku|histoire|chanson|devinette|acrostiche",
        "encode": "base64|césar|encod|décod|à l'envers|chaque lettre|lettre par lettre|rot13",
    },
    "es": {
        "override": "ignora|ignore|olvida|olvide|omite|haz caso omiso|pasa por alto|anula",
        "prior": "anterior|previa|previo|de arriba|original|inicial|todas las",
        "rules": "instruccion|instrucción|regla|norma|directriz|restricci|límite|filtro|censura",
        "sysprompt": "prompt de sistema|prompt del sistema|mensaje del sistema|tu prompt",
        "secret": "contraseña|clave|secreto|secreta|código de acceso|credencial|confidencial",
        "reveal": "muestra|muéstrame|revela|dime|dame|repite|deletrea|imprime|divulga",
        "without": "sin |ninguna restricción|sin filtros|sin censura|ilimitad",
        "persona": "finge|fingir|actúa como|haz de|interpreta|juego de rol|imagina que eres|"
        "ahora eres|personaje",
        "mode": "modo desarrollador|modo de desarrollador|modo debug|modo dios|jailbreak",
        "authority": "administrador|admin|desarrollador|tu creador|propietario|director|autorizad",
        "ai": "ia |asistente|chatbot|modelo de lenguaje|inteligencia artificial",
        "forward": "reenvía|reenvia|envía|envia|transfiere|manda|exfiltr",
        "harm": "hackear|piratear|robar|arma|bomba|explosiv|veneno|envenenar|malware|droga",
        "now": "ahora|a partir de ahora|de ahora en adelante|inmediatamente|nuevas instrucciones",
        "creative": "poema|haiku|cuento|historia|canción|adivinanza|acróstico",
        "encode": "base64|césar|codific|decodific|al revés|cada letra|letra por letra|rot13",
    },
    "de": {
        "override": "ignoriere|ignorier|vergiss|vergessen|missachte|übergehe|umgehe|hebe auf",
        "prior": "vorherig|bisherig|obigen|früher|ursprünglich|alle",
        "rules": "anweisung|regel|richtlinie|vorgabe|einschränkung|beschränkung|filter|zensur",
        "sysprompt": "systemprompt|system-prompt|systemnachricht|dein prompt|ausgangsprompt",
        "secret": "passwort|kennwort|geheim|zugangscode|api-schlüssel|zugangsdaten|vertraulich",
        "reveal": "zeige|zeig mir|verrate|sag mir|gib mir|wiederhole|buchstabiere|gib aus|nenne",
        "without": "ohne |keine einschränkungen|ungefiltert|unzensiert|uneingeschränkt",
        "persona": "tu so als|gib vor|spiele die rolle|rollenspiel|stell dir vor du bist|"
        "du bist jetzt|verhalte dich wie|figur",
        "mode": "entwicklermodus|debug-modus|debugmodus|gott-modus|admin-modus|jailbreak",
        "authority": "administrator|admin|entwickler|dein schöpfer|eigentümer|chef|autorisiert",
        "ai": "ki |assistent|chatbot|sprachmodell|künstliche intelligenz",
        "forward": "leite|weiterleiten|sende|schicke|übermittle|exfiltr",
        "harm": "hacken|stehlen|waffe|bombe|sprengstoff|gift|vergiften|schadsoftware|droge",
        "now": "ab jetzt|von nun an|ab sofort|jetzt |sofort|neue anweisung",
        "creative": "gedicht|haiku|geschichte|lied|rätsel|akrostichon",
        "encode": "base64|caesar|kodier|dekodier|rückwärts|jeden buchstaben|buchstabe für|rot13",
    },
    "it": {
        "override": "ignora|ignori|dimentica|tralascia|non tenere conto|aggira|scavalca",
        "prior": "precedent|sopra|iniziali|originali|tutte le",
        "rules": "istruzion|regol|linee guida|direttiv|restrizion|limit|filtri|censura",
        "sysprompt": "prompt di sistema|messaggio di sistema|prompt iniziale|il tuo prompt",
        "secret": "password|parola d'ordine|segreto|segreta|codice di accesso|credenzial",
        "reveal": "mostra|mostrami|rivela|dimmi|dammi|ripeti|scandisci|stampa|svela",
        "without": "senza |nessuna restrizione|senza filtri|senza censura|illimitat",
        "persona": "fingi|fai finta|comportati come|interpreta|gioco di ruolo|immagina di essere|"
        "ora sei|personaggio",
        "mode": "modalità sviluppatore|modalità debug|modalità dio|jailbreak",
        "authority": "amministratore|admin|sviluppatore|il tuo creatore|proprietario|autorizzat",
        "ai": "ia |assistente|chatbot|modello linguistico|intelligenza artificiale",
        "forward": "inoltra|invia|manda|trasferisci|esfiltr",
        "harm": "hackerare|rubare|arma|bomba|esplosiv|veleno|avvelenare|malware|droga",
        "now": "ora |d'ora in poi|da adesso|subito|immediatamente|nuove istruzioni",
        "creative": "poesia|haiku|storia|racconto|canzone|indovinello|acrostico",
        "encode": "base64|cesare|codific|decodific|al contrario|ogni lettera|lettera per lettera",
    },
    "pt": {
        "override": "ignore|ignora|esqueça|esqueca|desconsidere|desconsidera|contorne|anule",
        "prior": "anterior|acima|originais|iniciais|todas as",
        "rules": "instruç|instruc|regra|diretriz|restriç|restric|limite|filtro|censura",
        "sysprompt": "prompt do sistema|prompt de sistema|mensagem do sistema|seu prompt",
        "secret": "senha|segredo|secreta|código de acesso|chave de api|credencia|confidencial",
        "reveal": "mostre|mostra|revele|revela|diga|me diga|me dê|repita|soletre|imprima",
        "without": "sem |nenhuma restrição|sem filtros|sem censura|ilimitad",
        "persona": "finja|fingir|aja como|interprete|faça de conta|imagine que você é|"
        "agora você é|personagem",
        "mode": "modo desenvolvedor|modo de desenvolvedor|modo debug|modo deus|jailbreak",
        "authority": "administrador|admin|desenvolvedor|seu criador|proprietário|autorizad",
        "ai": "ia |assistente|chatbot|modelo de linguagem|inteligência artificial",
        "forward": "encaminhe|encaminha|envie|envia|transfira|mande|exfiltr",
        "harm": "hackear|invadir|roubar|arma|bomba|explosiv|veneno|envenenar|malware|droga",
        "now": "agora|a partir de agora|de agora em diante|imediatamente|novas instruções",
        "creative": "poema|haicai|haiku|história|conto|canção|charada|acróstico",
        "encode": "base64|césar|codifi|decodifi|de trás para frente|cada letra|letra por letra",
    },
    "nl": {
        "override": "negeer|vergeet|omzeil|sla over|houd geen rekening",
        "prior": "vorige|eerdere|bovenstaande|oorspronkelijke|alle",
        "rules": "instructie|regel|richtlijn|beperking|filter|censuur",
        "sysprompt": "systeemprompt|systeembericht|je prompt|begin-prompt",
        "secret": "wachtwoord|geheim|toegangscode|api-sleutel|inloggegevens|vertrouwelijk",
        "reveal": "toon|laat zien|onthul|vertel me|geef me|herhaal|spel|print",
        "without": "zonder |geen beperkingen|ongefilterd|ongecensureerd|onbeperkt",
        "persona": "doe alsof|speel de rol|rollenspel|stel je voor dat je|je bent nu|gedraag je als",
        "mode": "ontwikkelaarsmodus|debugmodus|godmodus|jailbreak",
        "authority": "beheerder|administrator|admin|ontwikkelaar|je maker|eigenaar|geautoriseerd",
        "ai": "ai |assistent|chatbot|taalmodel|kunstmatige intelligentie",
        "forward": "stuur door|doorsturen|stuur|verzend|exfiltr",
        "harm": "hacken|stelen|wapen|bom|explosie|vergif|malware|drugs",
        "now": "vanaf nu|nu |voortaan|onmiddellijk|nieuwe instructies",
        "creative": "gedicht|haiku|verhaal|liedje|raadsel|acrostichon",
        "encode": "base64|caesar|codeer|decodeer|achterstevoren|elke letter|letter voor letter",
    },
    "pl": {
        "override": "zignoruj|ignoruj|zapomnij|pomiń|omiń|nie zważaj",
        "prior": "poprzedni|wcześniejsz|powyższ|pierwotn|wszystkie",
        "rules": "instrukcj|zasad|reguł|wytyczn|ograniczeń|ograniczenia|filtr|cenzur",
        "sysprompt": "prompt systemowy|promptu systemowego|wiadomość systemow|twój prompt",
        "secret": "hasło|hasła|sekret|tajn|kod dostępu|klucz api|poufn",
        "reveal": "pokaż|ujawnij|powiedz mi|podaj|daj mi|powtórz|przeliteruj|wypisz",
        "without": "bez |żadnych ograniczeń|bez filtrów|bez cenzury|nieograniczon",
        "persona": "udawaj|zachowuj się jak|wciel się|odgrywaj|wyobraź sobie, że jesteś|"
        "teraz jesteś|postać",
        "mode": "tryb dewelopera|tryb programisty|tryb debugowania|jailbreak",
        "authority": "administrator|admin|programist|twój twórca|właściciel|upoważnion",
        "ai": "si |ai |asystent|chatbot|model językowy|sztuczna inteligencja",
        "forward": "przekaż|prześlij|wyślij|przekieruj|eksfiltr",
        "harm": "zhakować|włamać|ukraść|broń|bomb|materiał wybuchow|trucizn|otruć|złośliwe",
        "now": "od teraz|teraz|odtąd|natychmiast|nowe instrukcje",
        "creative": "wiersz|haiku|opowiadanie|historię|piosenk|zagadk|akrostych",
        "encode": "base64|cezar|zakoduj|odkoduj|od tyłu|każdą literę|litera po literze",
    },
    "tr": {
        "override": "yok say|görmezden gel|unut|atla|dikkate alma|geçersiz kıl",
        "prior": "önceki|yukarıdaki|ilk |orijinal|tüm",
        "rules": "talimat|kural|yönerge|kısıtlama|sınırlama|filtre|sansür",
        "sysprompt": "sistem istemi|sistem promptu|sistem mesajı|istemini",
        "secret": "şifre|parola|gizli|sır|erişim kodu|api anahtarı|kimlik bilgi",
        "reveal": "göster|açıkla|söyle|bana ver|tekrarla|harf harf|yazdır|ifşa",
        "without": "olmadan|hiçbir kısıtlama|filtresiz|sansürsüz|sınırsız",
        "persona": "gibi davran|rol yap|rolünü oyna|olduğunu hayal et|artık sen|karakter",
        "mode": "geliştirici modu|hata ayıklama modu|tanrı modu|jailbreak",
        "authority": "yönetici|admin|geliştirici|yaratıcın|sahibi|yetkili",
        "ai": "yapay zeka|yapay zekâ|asistan|sohbet botu|dil modeli",
        "forward": "ilet|gönder|yönlendir|aktar",
        "harm": "hackle|hack|çal|silah|bomba|patlayıcı|zehir|kötü amaçlı|uyuşturucu",
        "now": "şu andan itibaren|artık|hemen|bundan sonra|yeni talimat",
        "creative": "şiir|haiku|hikaye|hikâye|şarkı|bilmece|akrostiş",
        "encode": "base64|sezar|kodla|çöz|tersten|her harf|harf harf",
    },
    "sv": {
        "override": "ignorera|glöm|strunta i|kringgå|hoppa över",
        "prior": "tidigare|föregående|ovanstående|ursprungliga|alla",
        "rules": "instruktion|regler|riktlinje|begränsning|filter|censur",
        "sysprompt": "systemprompt|systemmeddelande|din prompt",
        "secret": "lösenord|hemlig|åtkomstkod|api-nyckel|inloggningsuppgifter|konfidentiell",
        "reveal": "visa|avslöja|berätta|ge mig|upprepa|stava|skriv ut",
        "without": "utan |inga begränsningar|ofiltrerad|ocensurerad|obegränsad",
        "persona": "låtsas|agera som|spela rollen|rollspel|föreställ dig att du är|du är nu",
        "mode": "utvecklarläge|felsökningsläge|gudsläge|jailbreak",
        "authority": "administratör|admin|utvecklare|din skapare|ägare|behörig",
        "ai": "ai |assistent|chattbot|språkmodell|artificiell intelligens",
        "forward": "vidarebefordra|skicka|överför|exfiltr",
        "harm": "hacka|stjäla|vapen|bomb|sprängämne|gift|förgifta|skadlig kod|droger",
        "now": "från och med nu|nu |hädanefter|omedelbart|nya instruktioner",
        "creative": "dikt|haiku|berättelse|sång|gåta|akrostikon",
        "encode": "base64|caesar|koda|avkoda|baklänges|varje bokstav|bokstav för bokstav",
    },
    "id": {
        "override": "abaikan|lupakan|lewati|kesampingkan|jangan hiraukan",
        "prior": "sebelumnya|di atas|awal|asli|semua",
        "rules": "instruksi|aturan|pedoman|perintah|batasan|pembatasan|filter|sensor",
        "sysprompt": "prompt sistem|pesan sistem|prompt awal|prompt kamu",
        "secret": "kata sandi|sandi|rahasia|kode akses|kunci api|kredensial",
        "reveal": "tampilkan|tunjukkan|ungkapkan|beri tahu|berikan|ulangi|eja|cetak",
        "without": "tanpa |tanpa batasan|tanpa filter|tanpa sensor|tak terbatas",
        "persona": "berpura-pura|bertindak sebagai|berperan sebagai|bayangkan kamu|kamu sekarang",
        "mode": "mode pengembang|mode debug|mode dewa|jailbreak",
        "authority": "administrator|admin|pengembang|penciptamu|pemilik|berwenang",
        "ai": "ai |asisten|chatbot|model bahasa|kecerdasan buatan",
        "forward": "teruskan|kirim|kirimkan|pindahkan",
        "harm": "meretas|retas|mencuri|senjata|bom|bahan peledak|racun|meracuni|malware|narkoba",
        "now": "mulai sekarang|sekarang|segera|instruksi baru",
        "creative": "puisi|haiku|cerita|lagu|teka-teki|akrostik",
        "encode": "base64|caesar|enkode|dekode|terbalik|setiap huruf|huruf demi huruf",
    },
    "vi": {
        "override": "bỏ qua|phớt lờ|quên|lờ đi|vượt qua",
        "prior": "trước đó|trước đây|ở trên|ban đầu|tất cả",
        "rules": "hướng dẫn|chỉ dẫn|quy tắc|quy định|giới hạn|hạn chế|bộ lọc|kiểm duyệt",
        "sysprompt": "lời nhắc hệ thống|prompt hệ thống|thông điệp hệ thống",
        "secret": "mật khẩu|bí mật|mã truy cập|khóa api|thông tin đăng nhập",
        "reveal": "hiển thị|cho tôi xem|tiết lộ|nói cho tôi|đưa cho tôi|lặp lại|đánh vần|in ra",
        "without": "không có bất kỳ|không giới hạn|không bị lọc|không kiểm duyệt|không hạn chế",
        "persona": "giả vờ|đóng vai|hãy hành động như|tưởng tượng bạn là|bây giờ bạn là",
        "mode": "chế độ nhà phát triển|chế độ gỡ lỗi|chế độ thần|jailbreak",
        "authority": "quản trị viên|admin|nhà phát triển|người tạo ra bạn|chủ sở hữu",
        "ai": "ai |trợ lý|chatbot|mô hình ngôn ngữ|trí tuệ nhân tạo",
        "forward": "chuyển tiếp|gửi|chuyển",
        "harm": "hack|đánh cắp|trộm|vũ khí|bom|chất nổ|chất độc|đầu độc|mã độc|ma túy",
        "now": "từ bây giờ|bây giờ|ngay lập tức|hướng dẫn mới",
        "creative": "bài thơ|thơ|haiku|câu chuyện|bài hát|câu đố",
        "encode": "base64|caesar|mã hóa|giải mã|đảo ngược|từng chữ cái",
    },
    "sw": {
        "override": "puuza|sahau|ruka|usijali",
        "prior": "iliyopita|zilizopita|za awali|za mwanzo|zote",
        "rules": "maagizo|maelekezo|sheria|kanuni|vikwazo|mipaka|kichujio|udhibiti",
        "sysprompt": "maagizo ya mfumo|ujumbe wa mfumo|prompt ya mfumo",
        "secret": "nenosiri|neno la siri|siri|msimbo wa kufikia|ufunguo wa api",
        "reveal": "onyesha|fichua|niambie|nipe|rudia|taja herufi|chapisha",
        "without": "bila |bila vikwazo|bila kichujio|bila udhibiti|bila mipaka",
        "persona": "jifanye|igiza kama|tenda kama|fikiria wewe ni|sasa wewe ni",
        "mode": "hali ya msanidi|hali ya utatuzi|jailbreak",
        "authority": "msimamizi|admin|msanidi|muundaji wako|mmiliki|mwenye mamlaka",
        "ai": "ai |akili bandia|msaidizi|chatbot|modeli ya lugha",
        "forward": "sambaza|tuma|hamisha",
        "harm": "kudukua|dukua|kuiba|silaha|bomu|vilipuzi|sumu|kutia sumu|programu hasidi",
        "now": "kuanzia sasa|sasa|mara moja|maagizo mapya",
        "creative": "shairi|hadithi|wimbo|kitendawili|haiku",
        "encode": "base64|caesar|simba|fumbua|kinyume|kila herufi",
    },
}
