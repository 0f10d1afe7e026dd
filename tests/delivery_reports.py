"""Delivery reports as real mail servers write them, about a letter the tests sent: each is the shape of a
real example (Postfix, Microsoft 365 / Exchange, Gmail, Exim, a read receipt, auto-replies), with the
letter's own headers where the server returns them. Written by the tests, never fetched."""

from __future__ import annotations

import base64
import textwrap
from email.message import EmailMessage

BOUNDARY = "=_report_boundary_1f3a"


def letter_headers(letter: EmailMessage) -> str:
    """The letter's header block as a server returns it (text/rfc822-headers)."""
    return "".join(f"{name}: {value}\r\n" for name, value in letter.items())


def letter_bytes(letter: EmailMessage) -> bytes:
    return letter.as_bytes()


def _message(template: str, letter: EmailMessage, **values: str) -> bytes:
    """``template`` dedented, then filled (so that a filled-in block of several lines keeps its own
    margin), with CRLF line ends as on the wire. ``letter`` gives ``{subject}``, ``{message_id}``,
    ``{sender}``, ``{headers}`` and ``{whole}``."""
    filled = textwrap.dedent(template).lstrip("\n").format(
        subject=letter["Subject"], message_id=letter["Message-ID"], sender=letter["From"],
        headers=letter_headers(letter), whole=letter_bytes(letter).decode("utf-8", "replace"), **values)
    return filled.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def postfix_dsn(letter: EmailMessage, recipient: str, action: str = "failed", status: str = "5.1.1",
                diagnostic: str = "smtp; 550 5.1.1 <{r}>: Recipient address rejected: User unknown in virtual mailbox table",
                headers_only: bool = True, report_id: str = "<20201101093012.4F1C2A0B3@mx1.lgo.example.org>") -> bytes:
    """Postfix's RFC 3464 report (``bounce_notice``), returning the letter's headers (or the letter)."""
    returned_type = "text/rfc822-headers" if headers_only else "message/rfc822"
    returned = letter_headers(letter) if headers_only else letter_bytes(letter).decode("utf-8", "replace")
    words = {"failed": "could not be delivered", "delayed": "has been delayed", "delivered": "was successfully delivered"}
    subject = {"failed": "Undelivered Mail Returned to Sender", "delayed": "Delayed Mail (still being retried)",
               "delivered": "Successful Mail Delivery Report"}[action]
    return _message("""
        Return-Path: <>
        Received: by mx1.lgo.example.org (Postfix) id 4F1C2A0B3; Sun,  1 Nov 2020 09:30:12 +0000 (GMT)
        Date: Sun,  1 Nov 2020 09:30:12 +0000 (GMT)
        From: MAILER-DAEMON@mx1.lgo.example.org (Mail Delivery System)
        Subject: {subject_line}
        To: {sender}
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
            boundary="{boundary}"
        Content-Transfer-Encoding: 8bit
        Message-Id: {report_id}

        This is a MIME-encapsulated message.

        --{boundary}
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mx1.lgo.example.org.

        Your message {what} to one or more recipients.

                           The mail system

        <{recipient}>: host mx.council.example.gov.uk[192.0.2.25] said: {said}

        --{boundary}
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx1.lgo.example.org
        X-Postfix-Queue-ID: 4F1C2A0B3
        X-Postfix-Sender: rfc822; reviews@lgo.example.org
        Arrival-Date: Sun,  1 Nov 2020 09:29:58 +0000 (GMT)

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: {action}
        Status: {status}
        Remote-MTA: dns; mx.council.example.gov.uk
        Diagnostic-Code: {diagnostic}

        --{boundary}
        Content-Description: Undelivered Message Headers
        Content-Type: {returned_type}

        {returned}
        --{boundary}--
        """, letter, boundary=BOUNDARY, recipient=recipient, subject_line=subject, what=words[action], action=action,
        status=status, diagnostic=diagnostic.format(r=recipient), said=diagnostic.format(r=recipient)[6:],
        returned_type=returned_type, returned=returned, report_id=report_id)


def microsoft_365_ndr(letter: EmailMessage, recipient: str) -> bytes:
    """Exchange Online's non-delivery report: "Undeliverable:", HTML for people, the status for machines,
    and the letter's headers."""
    return _message("""
        From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@lgo.example.org>
        To: <reviews@lgo.example.org>
        Date: Mon, 2 Nov 2020 10:15:03 +0000
        Content-Type: multipart/report; report-type=delivery-status;
            boundary="{boundary}"
        Content-Language: en-GB
        Message-ID: <2d1a3c4e-5f60-4a7b-8c9d-0e1f2a3b4c5d@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>
        In-Reply-To: {message_id}
        References: {message_id}
        Thread-Topic: {subject}
        Subject: Undeliverable: {subject}
        Auto-Submitted: auto-replied
        X-MS-Exchange-Message-Is-Ndr:
        MIME-Version: 1.0

        --{boundary}
        Content-Type: text/html; charset="us-ascii"
        Content-Transfer-Encoding: quoted-printable

        <html><body><p><b><font color=3D"#000066" size=3D"3">Your message to {recipient} couldn't be delivered.</font></b></p>
        <p>{user} wasn't found at {domain}.</p>
        <p>Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'</p></body></html>

        --{boundary}
        Content-Type: message/delivery-status

        Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com
        Received-From-MTA: dns;AM0PR01MB5678.eurprd01.prod.exchangelabs.com
        Arrival-Date: Mon, 2 Nov 2020 10:14:58 +0000

        Final-Recipient: rfc822;{recipient}
        Action: failed
        Status: 5.1.10
        Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
        X-Display-Name: Chief Executive

        --{boundary}
        Content-Type: text/rfc822-headers

        {headers}
        --{boundary}--
        """, letter, boundary=BOUNDARY, recipient=recipient, user=recipient.split("@")[0],
        domain=recipient.split("@")[1])


def exchange_ndr_in_words(letter: EmailMessage, recipient: str) -> bytes:
    """An on-premises Exchange report with no status part, only its words and the letter's headers."""
    return _message("""
        From: postmaster@council.example.gov.uk
        To: reviews@lgo.example.org
        Date: Tue, 3 Nov 2020 08:01:44 +0000
        Subject: Undeliverable: {subject}
        Message-ID: <ndr-77a1@ex01.council.example.gov.uk>
        X-MS-Exchange-Message-Is-Ndr:
        Content-Type: text/plain; charset="us-ascii"
        MIME-Version: 1.0

        Delivery has failed to these recipients or groups:

        {recipient}
        The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message.

        Diagnostic information for administrators:

        Generating server: EX01.council.example.gov.uk

        {recipient}
        #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##

        Original message headers:

        {headers}
        """, letter, recipient=recipient)


def gmail_bounce(letter: EmailMessage, recipient: str) -> bytes:
    """Gmail's "Delivery Status Notification (Failure)": X-Failed-Recipients, words, the status, the letter."""
    return _message("""
        Delivered-To: reviews@lgo.example.org
        Return-Path: <>
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: reviews@lgo.example.org
        Auto-Submitted: auto-replied
        Subject: Delivery Status Notification (Failure)
        References: {message_id}
        In-Reply-To: {message_id}
        X-Failed-Recipients: {recipient}
        Message-ID: <5fa1b2c3.1c69fb81.abcd.1234.GMR@mx.google.com>
        Date: Wed, 04 Nov 2020 01:02:03 -0800 (PST)
        MIME-Version: 1.0
        Content-Type: multipart/report; boundary="{boundary}"; report-type=delivery-status

        --{boundary}
        Content-Type: text/plain; charset="UTF-8"

        ** Address not found **

        Your message wasn't delivered to {recipient} because the address couldn't be found, or is unable to receive mail.

        The response from the remote server was:
        550 5.1.1 The email account that you tried to reach does not exist.

        --{boundary}
        Content-Type: message/delivery-status

        Reporting-MTA: dns; googlemail.com
        Received-From-MTA: dns; reviews@lgo.example.org
        Arrival-Date: Wed, 04 Nov 2020 01:02:01 -0800 (PST)
        X-Original-Message-ID: {message_id}

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; gmail-smtp-in.l.google.com. (2a00:1450:400c:c0b::1b, the server for the domain.)
        Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
        Last-Attempt-Date: Wed, 04 Nov 2020 01:02:03 -0800 (PST)

        --{boundary}
        Content-Type: message/rfc822

        {whole}
        --{boundary}--
        """, letter, boundary=BOUNDARY, recipient=recipient)


def exim_bounce(letter: EmailMessage, recipient: str, permanent: bool = True) -> bytes:
    """Exim's plain-text bounce: X-Failed-Recipients and words, then a copy of the message (its headers)."""
    if permanent:
        subject, heading, reply = ("Mail delivery failed: returning message to sender",
                                   "A message that you sent could not be delivered to one or more of its\n"
                                   "recipients. This is a permanent error. The following address(es) failed:",
                                   "550 5.2.2 Mailbox full; quota exceeded")
        failed = f"X-Failed-Recipients: {recipient}\n"
    else:
        subject, heading, reply = ("Warning: message 1kZa4H-0007Qk-5W delayed 24 hours",
                                   "This message was created automatically by mail delivery software.\n"
                                   "A message that you sent has not yet been delivered to one or more of its\n"
                                   "recipients after more than 24 hours on the queue on mx.council.example.gov.uk.\n\n"
                                   "The following address(es) have not yet been delivered:",
                                   "451 4.7.1 Greylisted, please try again later")
        failed = ""
    return _message("""
        Return-path: <>
        Envelope-to: reviews@lgo.example.org
        Delivery-date: Thu, 05 Nov 2020 11:20:31 +0000
        From: Mail Delivery System <Mailer-Daemon@mx.council.example.gov.uk>
        To: reviews@lgo.example.org
        {failed}Auto-Submitted: auto-replied
        Subject: {subject_line}
        Message-Id: <E1kZa4H-0007Qk-9X@mx.council.example.gov.uk>
        Date: Thu, 05 Nov 2020 11:20:31 +0000

        This message was created automatically by mail delivery software.

        {heading}

          {recipient}
            host mailstore.council.example.gov.uk [192.0.2.40]
            SMTP error from remote mail server after RCPT TO:<{recipient}>:
            {reply}

        ------ This is a copy of the message, including all the headers. ------
        ------ The body of the message is 2500000 characters long; only the first
        ------ 106496 or so are included here.

        {headers}
        """, letter, recipient=recipient, failed=failed, heading=heading, reply=reply, subject_line=subject)


def read_receipt(letter: EmailMessage, recipient: str) -> bytes:
    """An RFC 3798 read receipt (as Thunderbird and Outlook send them)."""
    return _message("""
        From: Chief Executive <{recipient}>
        To: reviews@lgo.example.org
        Subject: Read: {subject}
        Date: Fri, 6 Nov 2020 09:00:00 +0000
        Message-ID: <mdn-1234@council.example.gov.uk>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=disposition-notification;
            boundary="{boundary}"

        --{boundary}
        Content-Type: text/plain; charset=UTF-8

        This is a receipt for the mail you sent to <{recipient}>.
        It was displayed on 06/11/2020 09:00.

        --{boundary}
        Content-Type: message/disposition-notification; name="MDNPart2.txt"
        Content-Disposition: inline

        Reporting-UA: council.example.gov.uk; Thunderbird 78.4.0
        Final-Recipient: rfc822;{recipient}
        Original-Message-ID: {message_id}
        Disposition: manual-action/MDN-sent-manually; displayed

        --{boundary}
        Content-Type: text/rfc822-headers; name="MDNPart3.txt"

        {headers}
        --{boundary}--
        """, letter, boundary=BOUNDARY, recipient=recipient)


def exchange_out_of_office(letter: EmailMessage, recipient: str, threaded: bool = True) -> bytes:
    """Exchange's automatic reply (``Auto-Submitted: auto-generated``, "Automatic reply:")."""
    thread = f"In-Reply-To: {letter['Message-ID']}\nReferences: {letter['Message-ID']}\n" if threaded else ""
    return _message("""
        From: Jane Smith <{recipient}>
        To: Annual Reviews <reviews@lgo.example.org>
        Subject: Automatic reply: {subject}
        Thread-Topic: {subject}
        Date: Sat, 7 Nov 2020 07:07:07 +0000
        Message-ID: <oof-{user}-1@council.example.gov.uk>
        {thread}Auto-Submitted: auto-generated
        X-MS-Exchange-Inbox-Rules-Loop: {recipient}
        X-Auto-Response-Suppress: All
        Content-Type: text/plain; charset="us-ascii"
        MIME-Version: 1.0

        Thank you for your email. I am out of the office until Monday 16 November with no access to email.
        For urgent matters please contact my PA.
        """, letter, recipient=recipient, user=recipient.split("@")[0], thread=thread)


def vacation_reply(letter: EmailMessage, recipient: str) -> bytes:
    """A Sieve vacation reply (RFC 3834 ``Auto-Submitted: auto-replied``), without threading headers."""
    return _message("""
        From: <{recipient}>
        To: reviews@lgo.example.org
        Subject: Auto: {subject}
        Date: Sun, 8 Nov 2020 08:08:08 +0000
        Message-ID: <vacation-{user}@council.example.gov.uk>
        Auto-Submitted: auto-replied (vacation)
        Precedence: bulk
        Content-Type: text/plain; charset=utf-8

        I am on leave until 20 November.
        """, letter, recipient=recipient, user=recipient.split("@")[0])


def latin1_dsn(letter: EmailMessage, recipient: str) -> bytes:
    """A German server's report: its words in ISO-8859-1, its subject encoded, and one part in a character
    set no one knows."""
    text = ("Ihre Nachricht konnte nicht zugestellt werden. Der Empfänger ist unbekannt. "
            "Grüße, Ihr Mailsystem").encode("iso-8859-1")
    words = base64.b64encode(text).decode()
    return _message("""
        From: MAILER-DAEMON@mail.example.de (Mail Delivery System)
        To: reviews@lgo.example.org
        Subject: =?iso-8859-1?q?Unzustellbar=3A_R=FCckmeldung?=
        Date: Mon, 9 Nov 2020 12:00:00 +0100
        Message-ID: <de-ndr-1@mail.example.de>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

        --{boundary}
        Content-Type: text/plain; charset=iso-8859-1
        Content-Transfer-Encoding: base64

        {words}

        --{boundary}
        Content-Type: text/plain; charset=x-no-such-charset

        Hinweis fuer Administratoren

        --{boundary}
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mail.example.de

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.1.1
        Diagnostic-Code: smtp; 550 5.1.1 Benutzer unbekannt

        --{boundary}
        Content-Type: text/rfc822-headers

        {headers}
        --{boundary}--
        """, letter, boundary=BOUNDARY, recipient=recipient, words=words)


def person_reply(letter: EmailMessage, recipient: str) -> bytes:
    """A person's own reply: not a report, left alone."""
    return _message("""
        From: Jane Smith <{recipient}>
        To: reviews@lgo.example.org
        Subject: Re: {subject}
        In-Reply-To: {message_id}
        Date: Tue, 10 Nov 2020 10:10:10 +0000
        Message-ID: <thanks-1@council.example.gov.uk>
        Content-Type: text/plain; charset=utf-8

        Thank you, we will take the letter to our next committee.
        """, letter, recipient=recipient)


def huge_dsn(letter: EmailMessage, recipient: str, megabytes: int = 20) -> bytes:
    """A bounce that returns a 20 MB message whole: its report comes first."""
    report = postfix_dsn(letter, recipient, headers_only=False, report_id="<huge-1@mx1.lgo.example.org>")
    padding = base64.encodebytes(b"\0" * (megabytes * 1024 * 1024 * 3 // 4))
    closing = f"--{BOUNDARY}--\r\n".encode()
    body = report[: report.rindex(closing)]
    attachment = (f"--{BOUNDARY}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                  .encode() + padding.replace(b"\n", b"\r\n"))
    return body + attachment + b"\r\n" + closing


def not_mime() -> bytes:
    return b"\x00\x01\x02 this is not a message\r\n\xff\xfe\r\n"
