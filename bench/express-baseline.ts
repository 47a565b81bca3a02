/**
 * The comparison for GET /products/:id on a real database: a plain Express + mongoose service, as
 * one would write it, reading the same `products` collection of the same server by `findById`.
 * Run by bench/run.ts beside the platform, in the same run: PORT, MONGO_URL (its database).
 */
import express from 'express';
import mongoose from 'mongoose';

const Product = mongoose.model(
  'Product',
  new mongoose.Schema(
    {
      _id: String,
      name: String,
      description: String,
      category: String,
      unit: String,
      priceCents: Number,
      supplier: String,
      version: Number,
      createdAt: String,
      updatedAt: String,
    },
    { collection: 'products' },
  ),
);

await mongoose.connect(process.env.MONGO_URL as string);
const app = express();
app.get('/products/:id', async (req, res) => {
  const product = await Product.findById(req.params.id);
  if (!product) {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'product not found' } });
    return;
  }
  res.json(product);
});
app.listen(Number(process.env.PORT), '127.0.0.1');
