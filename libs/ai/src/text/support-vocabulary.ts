import type { Language } from '../language/languages.js';
import { stem } from './stemming.js';
import { words } from './tokens.js';

/**
 * Common support vocabulary with its synonyms and translations, so "money back" finds an
 * article about refunds and "Passwort" one about passwords, without a model. Each entry is
 * one concept; each phrase is a way members say it.
 */
const CONCEPTS: Record<string, Record<Language, string[]>> = {
  refund: {
    en: ['refund', 'refunded', 'money back', 'reimbursement', 'reimburse', 'chargeback'],
    ru: ['возврат денег', 'вернуть деньги', 'возврат средств', 'возмещение', 'рефанд'],
    de: ['rückerstattung', 'erstattung', 'erstatten', 'geld zurück'],
    fr: ['remboursement', 'rembourser', 'remboursé'],
    id: ['pengembalian dana', 'uang kembali', 'refund', 'dana kembali'],
    tr: ['para iadesi', 'geri ödeme', 'iade', 'paramı geri'],
  },
  return: {
    en: ['return', 'send back', 'returns'],
    ru: ['возврат', 'вернуть товар', 'вернуть', 'обмен'],
    de: ['rücksendung', 'zurückschicken', 'zurücksenden', 'retoure', 'umtausch'],
    fr: ['retour', 'renvoyer', 'retourner', 'échange'],
    id: ['retur', 'pengembalian barang', 'mengembalikan', 'tukar'],
    tr: ['iade', 'geri gönder', 'geri göndermek', 'değişim'],
  },
  password: {
    en: ['password', 'passcode', 'pass word'],
    ru: ['пароль'],
    de: ['passwort', 'kennwort'],
    fr: ['mot de passe', 'mdp'],
    id: ['kata sandi', 'sandi', 'password'],
    tr: ['şifre', 'parola'],
  },
  reset: {
    en: ['reset', 'recover', 'forgot', 'forgotten', 'restore'],
    ru: ['сбросить', 'сброс', 'восстановить', 'восстановление', 'забыл'],
    de: ['zurücksetzen', 'vergessen', 'wiederherstellen', 'neu setzen'],
    fr: ['réinitialiser', 'réinitialisation', 'oublié', 'récupérer'],
    id: ['atur ulang', 'reset', 'lupa', 'pulihkan', 'memulihkan'],
    tr: ['sıfırla', 'sıfırlamak', 'sıfırlama', 'unuttum', 'kurtar'],
  },
  account: {
    en: ['account', 'profile'],
    ru: ['аккаунт', 'учетная запись', 'учётная запись', 'профиль'],
    de: ['konto', 'account', 'benutzerkonto', 'profil'],
    fr: ['compte', 'profil'],
    id: ['akun', 'profil'],
    tr: ['hesap', 'profil'],
  },
  login: {
    en: ['login', 'log in', 'sign in', 'signin', 'logging in'],
    ru: ['войти', 'вход', 'авторизация', 'логин'],
    de: ['anmelden', 'anmeldung', 'einloggen', 'login'],
    fr: ['connexion', 'connecter', 'se connecter', 'identifier'],
    id: ['masuk', 'login', 'log in'],
    tr: ['giriş', 'giriş yap', 'oturum aç'],
  },
  delivery: {
    en: ['delivery', 'deliver', 'arrive', 'arrival', 'tracking', 'track'],
    ru: ['доставка', 'доставить', 'отслеживание', 'трек'],
    de: ['lieferung', 'liefern', 'zustellung', 'ankommen', 'sendungsverfolgung'],
    fr: ['livraison', 'livrer', 'arriver', 'suivi'],
    id: ['pengiriman', 'kirim', 'dikirim', 'sampai', 'lacak', 'resi'],
    tr: ['teslimat', 'teslim', 'kargo takibi', 'ulaşmak'],
  },
  shipping: {
    en: ['shipping', 'ship', 'shipment', 'postage', 'courier'],
    ru: ['отправка', 'пересылка', 'курьер'],
    de: ['versand', 'versenden', 'versandkosten', 'porto'],
    fr: ['expédition', 'expédier', 'envoi', 'frais de port'],
    id: ['ongkir', 'ongkos kirim', 'ekspedisi', 'kurir'],
    tr: ['kargo', 'gönderim', 'sevkiyat'],
  },
  cancel: {
    en: ['cancel', 'cancellation', 'unsubscribe', 'terminate'],
    ru: ['отменить', 'отмена', 'отписаться'],
    de: ['kündigen', 'kündigung', 'stornieren', 'stornierung', 'abbestellen'],
    fr: ['annuler', 'annulation', 'résilier', 'résiliation', 'désabonner'],
    id: ['batal', 'batalkan', 'pembatalan', 'berhenti langganan'],
    tr: ['iptal', 'iptal et', 'abonelikten çık'],
  },
  subscription: {
    en: ['subscription', 'subscribe', 'plan', 'membership', 'renewal'],
    ru: ['подписка', 'подписаться', 'тариф', 'план'],
    de: ['abo', 'abonnement', 'tarif', 'mitgliedschaft', 'verlängerung'],
    fr: ['abonnement', 'abonner', 'forfait', 'formule'],
    id: ['langganan', 'berlangganan', 'paket'],
    tr: ['abonelik', 'üyelik', 'plan', 'paket'],
  },
  invoice: {
    en: ['invoice', 'receipt', 'bill', 'billing'],
    ru: ['счет', 'счёт', 'квитанция', 'чек'],
    de: ['rechnung', 'quittung', 'beleg'],
    fr: ['facture', 'reçu', 'facturation'],
    id: ['faktur', 'tagihan', 'kuitansi', 'invoice'],
    tr: ['fatura', 'makbuz'],
  },
  price: {
    en: ['price', 'cost', 'pricing', 'fee', 'how much'],
    ru: ['цена', 'стоимость', 'сколько стоит'],
    de: ['preis', 'kosten', 'kostet', 'gebühr'],
    fr: ['prix', 'coût', 'tarif', 'combien coûte'],
    id: ['harga', 'biaya', 'berapa'],
    tr: ['fiyat', 'ücret', 'maliyet', 'ne kadar'],
  },
  error: {
    en: ['error', 'bug', 'broken', 'crash', 'not working', "doesn't work", 'fails', 'failed'],
    ru: ['ошибка', 'баг', 'не работает', 'сбой', 'вылетает'],
    de: ['fehler', 'fehlermeldung', 'funktioniert nicht', 'kaputt', 'absturz'],
    fr: ['erreur', 'bug', 'ne marche pas', 'ne fonctionne pas', 'plantage'],
    id: ['error', 'galat', 'tidak bisa', 'gagal', 'rusak', 'kesalahan'],
    tr: ['hata', 'çalışmıyor', 'bozuk', 'çöktü'],
  },
};

/** A phrase as comparable stems, with the language its words belong to. */
export interface StemmedPhrase {
  readonly language: Language;
  readonly text: string;
  readonly stems: readonly string[];
}

export interface SupportConcept {
  readonly name: string;
  readonly phrases: readonly StemmedPhrase[];
}

const STEMMED_CONCEPTS: readonly SupportConcept[] = Object.entries(CONCEPTS).map(([name, byLanguage]) => ({
  name,
  phrases: (Object.entries(byLanguage) as [Language, string[]][]).flatMap(([language, phrases]) =>
    phrases.map((text) => ({
      language,
      text,
      stems: words(text, language).map((word) => stem(word, language)),
    })),
  ),
}));

export function supportConcepts(): readonly SupportConcept[] {
  return STEMMED_CONCEPTS;
}
