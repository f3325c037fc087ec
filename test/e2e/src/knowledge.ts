/** The knowledge base the end-to-end tests teach the bot: a small help centre in three languages. */
export const PASSWORD_RESET = {
  title: 'Password reset',
  content: `# Resetting your password

Open Settings, then Security, and choose "Reset password". We send a reset link to the email address on your account. The link is valid for 30 minutes.

## No access to your email any more

If you no longer have access to that email address, contact support with your order number. We verify your identity and change the address on the account, then you can reset the password.`,
};

export const REFUNDS = {
  title: 'Refunds',
  content: `# Refunds

You can get a refund within 14 days of purchase. Open Orders, pick the order and click "Request refund". The money is returned to the original payment method within 5 business days.`,
};

export const RUSSIAN_DELIVERY = {
  title: 'Доставка',
  content: `# Доставка заказов

Мы доставляем заказы по всей России. Курьерская доставка занимает от двух до пяти рабочих дней. Стоимость доставки рассчитывается при оформлении заказа.`,
};

export const TURKISH_INVOICE = {
  title: 'Fatura',
  content: `# Fatura talebi

Faturanızı hesap ayarlarındaki Siparişler bölümünden indirebilirsiniz. Kurumsal fatura için vergi numaranızı destek ekibine e-posta ile gönderin.`,
};
